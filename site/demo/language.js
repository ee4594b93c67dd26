// The demo's language switch (?lang=fr): this page is one static file, so the switch sets <html lang>
// before the widget reads it. A real site serves each language's page with its own <html lang>, or
// writes data-language on the widget's tag.
(() => {
  const lang = new URLSearchParams(location.search).get("lang");
  if (lang && /^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/.test(lang)) document.documentElement.lang = lang;
})();
