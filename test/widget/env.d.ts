/** Vite's `?raw` import: a file's text, for tests that check static site files. */
declare module "*?raw" {
  const text: string;
  export default text;
}
