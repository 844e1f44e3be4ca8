-- Run once by the postgres container on first start: the database the local warehouse loads into.
CREATE DATABASE warehouse;
