-- 视频分析平台 人脸抓拍表
CREATE TABLE `vas_face_capture` (
  `ID` bigint NOT NULL AUTO_INCREMENT,
  `DEVICE_ID` varchar(32) NOT NULL COMMENT '抓拍设备编号',
  `CAPTURE_TIME` datetime NOT NULL COMMENT '抓拍时间',
  `GENDER` tinyint DEFAULT 0 COMMENT '性别 0未知 1男 2女',
  `AGE_GROUP` tinyint DEFAULT 0 COMMENT '年龄段',
  `IS_UYG` tinyint DEFAULT 0 COMMENT '算法判定是否维族 0-未判定 1-是 2-否',
  `IS_UYG_SCORE` decimal(5,4) DEFAULT NULL COMMENT '维族判定得分',
  `RESPIRATOR` tinyint DEFAULT 0 COMMENT '是否戴口罩',
  `IMG_URL` varchar(512) DEFAULT NULL,
  PRIMARY KEY (`ID`),
  KEY `idx_uyg_time` (`IS_UYG`, `CAPTURE_TIME`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COMMENT='人脸抓拍记录';
