// capture-search/conditions.js  (face capture search page)
export const conditionOptions = [
  { value: 'recGender', label: '性别', options: ['男', '女'] },
  { value: 'recAge', label: '年龄段', options: ['少年', '青年', '中年', '老年'] },
  { value: 'recGlasses', label: '眼镜', options: ['戴', '不戴'] },
  { value: 'recRace', label: '人种', options: ['黄种人', '白种人', '黑种人', '未识别'] },
  { value: 'recMinority', label: '少数民族', options: ['是', '否'] },
  { value: 'isHit', label: '是否报警', options: ['是', '否'] },
];

export function buildQuery(form) {
  return conditionOptions
    .filter(c => form[c.value] !== undefined && form[c.value] !== '')
    .map(c => ({ field: c.value, eq: form[c.value] }));
}
