-- 布控告警规则初始化
CREATE TABLE t_alarm_rule (
  rule_id     INT PRIMARY KEY,
  rule_name   VARCHAR(64) COMMENT '规则名称',
  cond_expr   VARCHAR(255) COMMENT '触发条件',
  push_level  TINYINT COMMENT '推送级别 1-一般 2-紧急'
);
INSERT INTO t_alarm_rule VALUES (101, '陌生人徘徊', 'stay_seconds>300', 1);
INSERT INTO t_alarm_rule VALUES (102, '维族人员实时预警', 'face_attr.is_weizu=1', 2);
INSERT INTO t_alarm_rule VALUES (103, '人员聚集', 'head_count>30', 1);
