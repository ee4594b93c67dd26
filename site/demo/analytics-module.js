// Demo module script (gated: analytics, loaded with data-src and data-type="module").
const started = new Date().toLocaleTimeString("en-GB");
window.demoRan("analytics-module", `Running as a module since ${started}.`);
