-- ----------------------------------------------------------
-- 视频结构化：人脸抓拍结果表
-- ----------------------------------------------------------
DROP TABLE IF EXISTS `t_struct_face_snap`;
CREATE TABLE `t_struct_face_snap` (
  `id`            bigint(20)   NOT NULL AUTO_INCREMENT,
  `device_code`   varchar(32)  NOT NULL COMMENT '设备编码',
  `snap_time`     datetime     NOT NULL COMMENT '抓拍时间',
  `face_url`      varchar(255) DEFAULT NULL COMMENT '人脸小图',
  `gender`        tinyint(4)   DEFAULT 0 COMMENT '性别 0未知 1男 2女',
  `age_range`     tinyint(4)   DEFAULT 0 COMMENT '年龄段',
  `glasses`       tinyint(4)   DEFAULT 0 COMMENT '是否戴眼镜',
  `wz_flag`       tinyint(4)   DEFAULT 0 COMMENT '是否维族 0-未知 1-是 2-否 (算法输出)',
  `skin`          tinyint(4)   DEFAULT 0 COMMENT '肤色 1黄 2白 3黑',
  `quality`       float        DEFAULT NULL COMMENT '质量分',
  PRIMARY KEY (`id`),
  KEY `idx_snap_time` (`snap_time`),
  KEY `idx_wz_flag` (`wz_flag`, `snap_time`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COMMENT='人脸抓拍结构化结果';
