import { z } from "zod";
import { COLUMN_TYPES } from "./tabular/types.ts";

// Expectations: what a job may count on in a dataset's tables, declared on the dataset (every
// version must meet them) or on the job input that reads it. A job whose inputs break them
// is refused at submit, naming the input, the file, the column and the rule.

const columnName = z.string().min(1).max(256);

export const ExpectationsSchema = z
  .strictObject({
    files: z
      .string()
      .min(1)
      .max(512)
      .default("**/*")
      .meta({ description: "Which tabular files the rules apply to: a path or a glob (`*.csv`, `train/**`). Default: every CSV, TSV and Parquet file." }),
    columns: z
      .record(columnName, z.enum([...COLUMN_TYPES, "number", "any"]))
      .optional()
      .meta({ description: "Columns that must be present, with their type (`number` accepts integer or float, `any` only asks for the column)." }),
    nonNull: z.array(columnName).max(1000).optional().meta({ description: "Columns that must have no empty or null values." }),
    rows: z
      .strictObject({ min: z.number().int().min(0).optional(), max: z.number().int().min(0).optional() })
      .optional()
      .meta({ description: "How many rows each file must have." }),
    sameColumnsAs: z
      .strictObject({
        dataset: z.string().min(1).max(300).meta({ description: "A dataset reference, e.g. `iris-train@prod`." }),
        except: z.array(columnName).max(1000).default([]).meta({ description: "Columns of that dataset not needed here (the label column of a training table)." }),
      })
      .optional()
      .meta({ description: "Every column of the other dataset's table (but `except`) must be here with the same type: a table for prediction keeps all the features the model was trained on." }),
  })
  .meta({ id: "Expectations", description: "Rules a dataset's tables must meet; checked at upload and when a job that reads them is submitted." });

export type Expectations = z.output<typeof ExpectationsSchema>;

/** One broken rule, named precisely enough to fix. */
export interface Violation {
  /** The job input's name, when checked for a job. */
  input?: string;
  file: string;
  column?: string;
  rule: "columns" | "type" | "nonNull" | "rows" | "sameColumnsAs" | "noTable";
  message: string;
  hint: string;
}
