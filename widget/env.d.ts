/** Vite's `?inline` CSS import: the built stylesheet as a string. */
declare module "*.css?inline" {
  const css: string;
  export default css;
}
