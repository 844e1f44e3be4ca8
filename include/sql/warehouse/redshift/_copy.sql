-- Redshift COPY of one export into its staging table. A columnar COPY accepts only ACCEPTINVCHARS,
-- FILLRECORD, FROM, IAM_ROLE, CREDENTIALS, STATUPDATE, MANIFEST and EXPLICIT_IDS: no REGION, so the
-- bucket must be in the cluster's region. MANIFEST: the file lists exactly the export's part files, so
-- the _manifest.json and _SUCCESS beside them are never read. Parquet maps columns by position.
COPY {{ staging }}
FROM '{{ manifest_url }}'
IAM_ROLE '{{ iam_role }}'
FORMAT AS PARQUET
MANIFEST;
