-- 第七次人口普查 分民族人口统计（汇总表）
CREATE TABLE stat_population_by_ethnic (
  year        SMALLINT,
  mzdm        CHAR(2)  COMMENT '民族代码 GB3304',
  mzmc        VARCHAR(20) COMMENT '民族名称',
  population  BIGINT
);
INSERT INTO stat_population_by_ethnic VALUES (2020,'01','汉族',1286311334);
INSERT INTO stat_population_by_ethnic VALUES (2020,'02','蒙古族',6290204);
INSERT INTO stat_population_by_ethnic VALUES (2020,'05','维吾尔族',11774538);
