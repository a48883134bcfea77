import type { FailureReason } from "../../api/types";

export const FAILURE_TITLES: Record<FailureReason, string> = {
  out_of_memory: "It ran out of memory",
  time_limit: "It hit its time limit",
  command_not_found: "The command was not found",
  permission_denied: "Permission denied",
  python_exception: "Python raised an exception",
  nonzero_exit: "The program exited with an error",
  signal: "The program was killed by a signal",
  cancelled: "It was cancelled",
  lost: "Plinth lost track of it",
  start_failed: "It could not be started",
  disk_limit: "It filled too much disk",
  input_unavailable: "Its input data could not be put in place",
  output_not_saved: "Its outputs could not be saved",
};
