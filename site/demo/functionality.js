// biome-ignore-all lint/suspicious/noDocumentCookie: a demo tag sets cookies the way real tags do
// Demo functionality tag (gated: functionality). Remembers a display preference in its own cookie.
document.cookie = "demo_prefs=layout%3Dwide; Path=/; Max-Age=31536000; SameSite=Lax";
window.demoRan("functionality", "Running: your layout preference is remembered (cookie demo_prefs set).");
