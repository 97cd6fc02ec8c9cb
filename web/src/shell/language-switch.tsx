// 中文 / English switch, shown on every page.
import { Segmented } from 'antd';
import { useTranslation } from 'react-i18next';
import { setLanguage, type Language } from '../i18n';

export function LanguageSwitch() {
  const { i18n } = useTranslation();
  return (
    <Segmented<Language>
      size="small"
      value={i18n.language === 'en' ? 'en' : 'zh-CN'}
      options={[
        { label: '中文', value: 'zh-CN' },
        { label: 'English', value: 'en' },
      ]}
      onChange={setLanguage}
      data-testid="language-switch"
    />
  );
}
