// The two pure-JS codec packages ship no types; only the functions used here are declared.
declare module 'snappyjs' {
  export function uncompress(data: Uint8Array): Uint8Array;
}
declare module 'lz4js' {
  export function decompress(data: Uint8Array, maxSize?: number): Uint8Array;
}
