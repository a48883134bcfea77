// A CSV, TSV or Parquet file Plinth cannot read as a table. The data module turns it into a
// 422 problem naming the file; `message` says what is wrong and where, `hint` what to do.

export class TableFormatError extends Error {
  readonly file: string;
  readonly hint: string;

  constructor(file: string, message: string, hint: string) {
    super(`${file}: ${message}`);
    this.name = "TableFormatError";
    this.file = file;
    this.hint = hint;
  }
}
