// biome-ignore-all lint/suspicious/noDocumentCookie: a demo tag sets cookies the way real tags do
// Demo advertising pixel (gated: targeting). Sets a Meta Pixel-style cookie.
document.cookie = "_fbp=fb.1.1700000000000.1234567890; Path=/; Max-Age=7776000; SameSite=Lax";
window.demoRan("targeting", "Running: personalised adverts (cookie _fbp set).");
