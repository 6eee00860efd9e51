-- Databases beside the warehouse (POSTGRES_DB=govdata): Airflow's metadata DB and OpenMetadata's.
create database airflow;
create database openmetadata;
