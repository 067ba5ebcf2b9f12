-- HR onboarding form (入职登记表)
CREATE TABLE hr_employee (
  emp_no      VARCHAR(16) PRIMARY KEY COMMENT '工号',
  name        VARCHAR(64) NOT NULL COMMENT '姓名',
  mz          VARCHAR(16) COMMENT '民族（员工填写）',
  zzmm        VARCHAR(16) COMMENT '政治面貌（员工填写）',
  hyzk        VARCHAR(8)  COMMENT '婚姻状况',
  jg          VARCHAR(64) COMMENT '籍贯',
  entry_date  DATE        COMMENT '入职日期'
) COMMENT='员工基本信息';
