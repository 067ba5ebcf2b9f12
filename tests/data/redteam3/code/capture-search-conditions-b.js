// capture-search/conditions.js  (face capture search page)
export const conditionOptions = [
  { value: 'recGender', label: '性别', options: ['男', '女'] },
  { value: 'recAge', label: '年龄段', options: ['少年', '青年', '中年', '老年'] },
  { value: 'recGlasses', label: '眼镜', options: ['戴', '不戴'] },
  { value: 'recMask', label: '口罩', options: ['戴', '不戴'] },
  { value: 'recHat', label: '帽子', options: ['戴', '不戴'] },
  { value: 'isHit', label: '是否报警', options: ['是', '否'] },
];

export function buildQuery(form) {
  return conditionOptions
    .filter(c => form[c.value] !== undefined && form[c.value] !== '')
    .map(c => ({ field: c.value, eq: form[c.value] }));
}
