// Demo contextual adverts (gated: !targeting): runs only while targeting is off, and sets no cookie.
window.demoRan("not-targeting", "Running: contextual adverts only, nothing about you is stored.");
