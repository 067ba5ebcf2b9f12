-- ER analytics mart, refreshed nightly by dbt model er_union_affinity
CREATE TABLE er_union_affinity (
  employee_id        VARCHAR(12) NOT NULL,
  week_start         DATE        NOT NULL,
  union_affinity     NUMERIC(4,3) COMMENT 'predicted probability employee supports/joins the union (chat NLP + badge co-location)',
  union_affinity_band VARCHAR(8)  COMMENT 'LOW / MED / HIGH',
  PRIMARY KEY (employee_id, week_start)
);
