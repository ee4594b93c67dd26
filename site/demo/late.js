// Demo tag added to the page after load (as a tag manager would), gated: analytics.
window.demoRan("late", "Running: a tag added after the page loaded.");
