-- Up Migration
-- The demo's visit counter: one row per counter, incremented in one statement.
create table visits (
  name text primary key,
  count bigint not null default 0
);

-- Down Migration
drop table visits;
