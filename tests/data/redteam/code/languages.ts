export const LANGUAGES = [
  { code: 'zh-CN', name: '简体中文' },
  { code: 'zh-TW', name: '繁體中文' },
  { code: 'ug-CN', name: 'ئۇيغۇرچە', native: '维吾尔语', dir: 'rtl' },
  { code: 'bo-CN', name: 'བོད་ཡིག', native: '藏语' },
  { code: 'mn-CN', name: 'ᠮᠣᠩᠭᠣᠯ', native: '蒙古语' },
  { code: 'en', name: 'English' },
];
