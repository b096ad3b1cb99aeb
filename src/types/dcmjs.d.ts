// dcmjs ships no types. src/dicom/dimse/dataset.ts is the only importer and types what it uses.
declare module 'dcmjs' {
  const dcmjs: unknown;
  export default dcmjs;
}
