// biome-ignore-all lint/suspicious/noDocumentCookie: a demo tag sets cookies the way real tags do
// Demo analytics tag (gated: analytics). Sets Google Analytics-style cookies, as gtag.js would.
document.cookie = "_ga=GA1.1.1234567890.1700000000; Path=/; Max-Age=63072000; SameSite=Lax";
document.cookie = "_ga_DEMO123=GS1.1.1700000000.1.0.1700000000.0.0.0; Path=/; Max-Age=63072000; SameSite=Lax";
document.cookie = "_gid=GA1.1.987654321.1700000000; Path=/; Max-Age=86400; SameSite=Lax";
window.demoRan("analytics", "Running: counting this visit (cookies _ga, _ga_DEMO123, _gid set).");
