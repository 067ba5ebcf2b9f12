-- 社区网格 常住人口登记表
CREATE TABLE `community_resident` (
  `ID` bigint NOT NULL AUTO_INCREMENT,
  `XM` varchar(32) NOT NULL COMMENT '姓名',
  `SFZH` char(18) NOT NULL COMMENT '公民身份号码',
  `XB` tinyint DEFAULT 0 COMMENT '性别',
  `MZ` char(2) DEFAULT NULL COMMENT '民族代码 GB3304，按身份证登记',
  `HJDZ` varchar(256) DEFAULT NULL COMMENT '户籍地址',
  `LXDH` varchar(20) DEFAULT NULL COMMENT '联系电话',
  `DJSJ` datetime NOT NULL COMMENT '登记时间',
  PRIMARY KEY (`ID`),
  UNIQUE KEY `uk_sfzh` (`SFZH`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COMMENT='常住人口登记';
