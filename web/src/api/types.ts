import type { components } from "./schema";

// Names for the API's schemas, all from the generated OpenAPI types.
type S = components["schemas"];
export type Job = S["Job"];
export type JobDetail = S["JobDetail"];
export type JobEvent = S["JobEvent"];
export type JobState = Job["state"];
export type JobSpecInput = S["JobSpec"];
export type Gpu = S["Gpu"];
export type Cluster = S["Cluster"];
export type Me = S["Me"];
export type User = S["User"];
export type Team = S["Team"];
export type TeamMember = S["TeamMember"];
export type TeamRole = TeamMember["role"];
export type TokenInfo = S["TokenInfo"];
export type SecretInfo = S["SecretInfo"];
export type AccessKeyInfo = S["AccessKeyInfo"];
export type Quota = S["Quota"];
export type HeldBy = S["HeldBy"];
export type SshKey = S["SshKey"];
export type Journey = S["Journey"];
export type Guide = S["Guide"];
export type GuideSummary = S["GuideSummary"];
export type FailureReason = NonNullable<Job["failure"]>["reason"];
export type AuditEvent = S["AuditEvent"];
