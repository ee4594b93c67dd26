// Demo helper, not gated: records which demo scripts ran and shows it on the page.
window.dataLayer = window.dataLayer || []; // as a Google tag would: the widget then speaks Consent Mode v2
window.demoRuns = window.demoRuns || [];
window.demoRan = (name, text) => {
  window.demoRuns.push(name);
  const status = document.querySelector(`[data-demo-status="${name}"]`);
  if (status) {
    status.textContent = text;
    status.setAttribute("data-state", "on");
  }
};
