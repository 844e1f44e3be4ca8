"""Entry points submitted by Airflow: each ``main()`` parses arguments, builds the session, calls the library."""
