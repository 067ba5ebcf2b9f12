// 抓拍检索 - 查询条件
export const searchConditions = [
  { value: 'recGender', label: '性别' },
  { value: 'recMask', label: '是否戴口罩' },
  { value: 'recZangzu', label: '是否藏族' },
  { value: 'isHit', label: '是否报警' },
];

export function buildQuery(form) {
  const q = { startTime: form.start, endTime: form.end };
  if (form.recZangzu) q.attr_zangzu = 1;
  return q;
}
