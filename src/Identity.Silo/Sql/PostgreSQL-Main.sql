-- Orleans runs only the statements it reads from this table, looked up by QueryKey.
-- Every script here is idempotent: SqlSchemaInstaller applies all of them at each start.
CREATE TABLE IF NOT EXISTS OrleansQuery
(
    QueryKey varchar(64) NOT NULL,
    QueryText text NOT NULL,
    CONSTRAINT OrleansQuery_Key PRIMARY KEY (QueryKey)
);
