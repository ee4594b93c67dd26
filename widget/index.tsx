/**
 * @module
 * Widget entry (issue 3 builds the banner, preferences and gating here).
 */
export {};
