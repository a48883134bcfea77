// Generated from the server's OpenAPI document by scripts/gen-api-types.ts. Do not edit:
// change the zod schemas in src/, then run `npm run gen:api`.

export interface paths {
    "/api/v1/cluster": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Nodes, their CPUs, memory and GPUs, what holds each GPU, and the queue in run order */
        get: operations["getCluster"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/code/blobs/{sha256}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        /** Upload one file's bytes; the URL names their sha256 */
        put: operations["putCodeBlobsBySha256"];
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/code/bundles": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Register a code bundle by its manifest; lists blobs the server still needs */
        post: operations["postCodeBundles"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/events": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Live events as server-sent events (event `job.changed` with jobId, state, userId) */
        get: operations["getEvents"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/guides": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Every guide under docs/, by section */
        get: operations["getGuides"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/guides/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** One guide rendered as HTML, with its headings; the id is its path under docs/ without .md, URL-encoded */
        get: operations["getGuidesById"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/guides/search": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Full-text search across the guides */
        get: operations["getGuidesSearch"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/jobs": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** List jobs, newest first, one page at a time */
        get: operations["getJobs"];
        put?: never;
        /** Submit a job */
        post: operations["postJobs"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/jobs/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** A job with its timeline */
        get: operations["getJobsById"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/jobs/{id}/cancel": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Cancel a job (SIGTERM to its processes, SIGKILL after the grace period) */
        post: operations["postJobsByIdCancel"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/jobs/{id}/logs": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * A job's output (stdout and stderr); with follow=true, streams until the job ends
         * @description Without parameters, the whole log, streamed. For part of it:
         *
         *     - `Range: bytes=-4194304` (curl -r -4194304) answers 206 with the last 4 MiB and `Content-Range: bytes <first>-<last>/<size>`;
         *       `bytes=<from>-` resumes a download (curl -C -); a range beyond the end answers 416 with `Content-Range: bytes *\/<size>`.
         *     - `tail=N` starts at the last N lines, as tail -n; with follow=true it then keeps streaming.
         *     - `offset=N` starts at byte N: to follow on from a range, ask for follow=true&offset=<last + 1>.
         *
         *     A Range header goes with none of follow, offset or tail.
         */
        get: operations["getJobsByIdLogs"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/jobs/{id}/retry": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Run a finished job again as a new job */
        post: operations["postJobsByIdRetry"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/me": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Who the token belongs to */
        get: operations["getMe"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/portal/start": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Your progress through the Start-here journey, from what you have really done */
        get: operations["getPortalStart"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/schemas/job-spec.json": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The job spec as JSON Schema (for forms and editors validating plinth.yaml) */
        get: operations["getSchemasJobSpec.json"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/sessions": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Sign in: exchange the API token in the Authorization header for a session cookie
         * @description Sets an HttpOnly, SameSite=Strict cookie. Requests that use the cookie and change something must send the header `x-plinth-csrf: 1`.
         */
        post: operations["postSessions"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/sessions/current": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post?: never;
        /** Sign out: end this browser's session and clear its cookie */
        delete: operations["deleteSessionsCurrent"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/tokens": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Your API tokens (secrets are never shown again) */
        get: operations["getTokens"];
        put?: never;
        /** Create an API token; the secret is in this response only */
        post: operations["postTokens"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/tokens/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post?: never;
        /** Revoke one of your tokens; browsers signed in with it are signed out */
        delete: operations["deleteTokensById"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/users": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Everyone on this platform */
        get: operations["getUsers"];
        put?: never;
        /** Create a user and their first token (admins) */
        post: operations["postUsers"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/users/{name}/sessions": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post?: never;
        /** Sign a user out of every browser (admins); their API tokens keep working */
        delete: operations["deleteUsersByNameSessions"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/users/{name}/tokens": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** A user's API tokens (admins) */
        get: operations["getUsersByNameTokens"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/users/{name}/tokens/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post?: never;
        /** Revoke one of a user's tokens; browsers signed in with it are signed out (admins) */
        delete: operations["deleteUsersByNameTokensById"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/healthz": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Liveness and database reachability */
        get: operations["get-Healthz"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
}
export type webhooks = Record<string, never>;
export interface components {
    schemas: {
        Cluster: {
            nodes: {
                cpus: number;
                cpusAllocated: number;
                gpus: {
                    fake: boolean;
                    index: number;
                    jobId: string | null;
                    memoryBytes: number;
                    model: string;
                    uuid: string;
                }[];
                memoryAllocated: number;
                memoryBytes: number;
                name: string;
            }[];
            queue: {
                expectedStartAt: string | null;
                jobId: string;
                position: number;
            }[];
        };
        CodeBundleResult: {
            /** @description The bundle id, once every blob is present. */
            bundle: string | null;
            /** @description Blobs to upload with PUT /api/v1/code/blobs/{sha256} before posting the manifest again. */
            missing: string[];
        };
        /** @description Files of a code bundle: relative paths with their content hashes. */
        CodeManifest: {
            files: {
                /** @default false */
                executable: boolean;
                path: string;
                sha256: string;
                size: number;
            }[];
        };
        Gpu: {
            fake: boolean;
            index: number;
            memoryBytes: number;
            model: string;
            uuid: string;
        };
        Guide: {
            headings: {
                depth: number;
                id: string;
                text: string;
            }[];
            html: string;
            id: string;
            section: string;
            summary: string;
            title: string;
            updatedAt: string;
        };
        GuideSummary: {
            id: string;
            section: string;
            summary: string;
            title: string;
        };
        Job: {
            assignedGpus: components["schemas"]["Gpu"][];
            attempt: number;
            createdAt: string;
            /** @description Where the time went: waiting in the queue, starting up, running. */
            durations: {
                queuedMs: number | null;
                runningMs: number | null;
                startingMs: number | null;
            };
            estimateMs: number | null;
            exitCode: number | null;
            /** @description Why the job did not succeed, with what to do about it. */
            failure: {
                hint: string | null;
                logTail: string | null;
                message: string;
                /** @enum {string} */
                reason: "out_of_memory" | "time_limit" | "command_not_found" | "permission_denied" | "python_exception" | "nonzero_exit" | "signal" | "cancelled" | "lost" | "start_failed" | "disk_limit";
            } | null;
            finishedAt: string | null;
            id: string;
            labels: {
                [key: string]: string;
            };
            name: string;
            node: string | null;
            peakMemoryBytes: number | null;
            priority: number;
            /** @description For a queued job: its place in line and when it is expected to start. */
            queue: {
                expectedStartAt: string | null;
                position: number;
            } | null;
            resources: {
                cpus: number;
                gpuMinMemoryBytes?: number;
                gpuModel?: string;
                gpus: number;
                memoryBytes: number;
            };
            retriedBy: string | null;
            retryOf: string | null;
            signal: string | null;
            /** @description The spec as submitted. */
            spec: {
                [key: string]: unknown;
            };
            startedAt: string | null;
            /** @enum {string} */
            state: "queued" | "starting" | "running" | "succeeded" | "failed" | "cancelled" | "timed_out" | "lost";
            timeoutMs: number | null;
            userId: string;
            /** @description Something a job that succeeded should still tell its owner: a helper process killed for memory. */
            warning: {
                hint: string | null;
                message: string;
            } | null;
        };
        JobDetail: {
            assignedGpus: components["schemas"]["Gpu"][];
            attempt: number;
            createdAt: string;
            /** @description Where the time went: waiting in the queue, starting up, running. */
            durations: {
                queuedMs: number | null;
                runningMs: number | null;
                startingMs: number | null;
            };
            estimateMs: number | null;
            events: components["schemas"]["JobEvent"][];
            exitCode: number | null;
            /** @description Why the job did not succeed, with what to do about it. */
            failure: {
                hint: string | null;
                logTail: string | null;
                message: string;
                /** @enum {string} */
                reason: "out_of_memory" | "time_limit" | "command_not_found" | "permission_denied" | "python_exception" | "nonzero_exit" | "signal" | "cancelled" | "lost" | "start_failed" | "disk_limit";
            } | null;
            finishedAt: string | null;
            id: string;
            labels: {
                [key: string]: string;
            };
            name: string;
            node: string | null;
            peakMemoryBytes: number | null;
            priority: number;
            /** @description For a queued job: its place in line and when it is expected to start. */
            queue: {
                expectedStartAt: string | null;
                position: number;
            } | null;
            resources: {
                cpus: number;
                gpuMinMemoryBytes?: number;
                gpuModel?: string;
                gpus: number;
                memoryBytes: number;
            };
            retriedBy: string | null;
            retryOf: string | null;
            signal: string | null;
            /** @description The spec as submitted. */
            spec: {
                [key: string]: unknown;
            };
            startedAt: string | null;
            /** @enum {string} */
            state: "queued" | "starting" | "running" | "succeeded" | "failed" | "cancelled" | "timed_out" | "lost";
            timeoutMs: number | null;
            userId: string;
            /** @description Something a job that succeeded should still tell its owner: a helper process killed for memory. */
            warning: {
                hint: string | null;
                message: string;
            } | null;
        };
        JobEvent: {
            at: string;
            detail: {
                [key: string]: unknown;
            } | null;
            from: ("queued" | "starting" | "running" | "succeeded" | "failed" | "cancelled" | "timed_out" | "lost") | null;
            /** @enum {string} */
            to: "queued" | "starting" | "running" | "succeeded" | "failed" | "cancelled" | "timed_out" | "lost";
        };
        JobPage: {
            items: components["schemas"]["Job"][];
            nextCursor: string | null;
        };
        /** @description What to run, with which resources and policies. */
        JobSpec: {
            /** @description Code bundle uploaded with `plinth run`; unpacked into the job's working directory. */
            code?: {
                bundle: string;
            };
            /** @description The program and its arguments (argv), run without a shell. */
            command?: string[];
            /**
             * @description Environment variables for the job.
             * @default {}
             */
            env: {
                [key: string]: string;
            };
            /** @description Expected run time; short jobs are started sooner. */
            estimate?: string | number;
            /** @default {} */
            labels: {
                [key: string]: string;
            };
            /** @description A name to find the job by; runs with the same name share run-time estimates. */
            name?: string;
            /**
             * @description Higher runs sooner; -100 to 100.
             * @default 0
             */
            priority: number;
            /**
             * @description What the job needs to run.
             * @default {
             *       "cpus": 1,
             *       "memory": "1G",
             *       "gpus": 0
             *     }
             */
            resources: {
                /**
                 * @description CPU cores reserved for the job (fractions allowed).
                 * @default 1
                 */
                cpus: number;
                /** @description Constraints on which GPUs qualify. */
                gpu?: {
                    /** @description Smallest GPU memory acceptable, e.g. 24G. */
                    minMemory?: string | number;
                    /** @description Pattern the GPU model must match, e.g. '*3090*' or 'RTX 6000 Ada'. Case-insensitive; * matches anything. */
                    model?: string;
                };
                /**
                 * @description Number of whole GPUs, given to the job exclusively.
                 * @default 0
                 */
                gpus: number;
                /**
                 * @description Memory such as 512M, 8G or 16Gi (binary units); a bare number means bytes.
                 * @default 1G
                 */
                memory: string | number;
            };
            /**
             * @description How often to retry, and on which failure reasons. A number N means N retries when the job is lost.
             * @default 0
             */
            retries: number | {
                /** @default 0 */
                count: number;
                /**
                 * @description Failure reasons that trigger a retry.
                 * @default [
                 *       "lost"
                 *     ]
                 */
                on: ("out_of_memory" | "time_limit" | "command_not_found" | "permission_denied" | "python_exception" | "nonzero_exit" | "signal" | "cancelled" | "lost" | "start_failed" | "disk_limit")[];
            };
            /** @description A bash script, run instead of `command`. */
            script?: string;
            /** @description Stop the job after this long (state timed_out). */
            timeout?: string | number;
        };
        Journey: {
            cli: {
                at: string | null;
                done: boolean;
                jobId?: string | null;
            };
            firstJob: {
                at: string | null;
                done: boolean;
                jobId?: string | null;
            };
            latestJobId: string | null;
            read: {
                at: string | null;
                done: boolean;
                jobId?: string | null;
            };
            signedIn: {
                at: string | null;
                done: boolean;
                jobId?: string | null;
            };
            watched: {
                at: string | null;
                done: boolean;
                jobId?: string | null;
            };
        };
        Me: {
            id: string;
            name: string;
            /** @enum {string} */
            role: "admin" | "member";
        };
        NewToken: {
            info: components["schemas"]["TokenInfo"];
            /** @description The secret; shown only now. */
            token: string;
        };
        /** @description RFC 9457 problem document. */
        Problem: {
            detail?: string;
            errors?: {
                message: string;
                path: string;
            }[];
            /** @description What to do next. */
            hint?: string;
            status: number;
            title: string;
            type: string;
        };
        SignedIn: {
            session: {
                createdAt: string;
                expiresAt: string;
                id: string;
                method: string;
            };
            user: {
                id: string;
                name: string;
                /** @enum {string} */
                role: "admin" | "member";
            };
        };
        TokenInfo: {
            createdAt: string;
            expiresAt: string | null;
            id: string;
            lastUsedAt: string | null;
            name: string;
            prefix: string;
            revokedAt: string | null;
        };
        User: {
            createdAt: string;
            id: string;
            name: string;
            /** @enum {string} */
            role: "admin" | "member";
        };
    };
    responses: never;
    parameters: never;
    requestBodies: never;
    headers: never;
    pathItems: never;
}
export type $defs = Record<string, never>;
export interface operations {
    getCluster: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Cluster"];
                };
            };
            /** @description Problem */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    putCodeBlobsBySha256: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                sha256: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        size: number;
                    };
                };
            };
            /** @description Problem */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    postCodeBundles: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["CodeManifest"];
            };
        };
        responses: {
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["CodeBundleResult"];
                };
            };
            /** @description Problem */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    getEvents: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Stream */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "text/event-stream": string;
                };
            };
            /** @description Problem */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    getGuides: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        items: components["schemas"]["GuideSummary"][];
                    };
                };
            };
            /** @description Problem */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    getGuidesById: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Guide"];
                };
            };
            /** @description Problem */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    getGuidesSearch: {
        parameters: {
            query: {
                limit?: number;
                q: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        items: {
                            id: string;
                            section: string;
                            snippet: string;
                            summary: string;
                            title: string;
                        }[];
                    };
                };
            };
            /** @description Problem */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    getJobs: {
        parameters: {
            query?: {
                /** @description `nextCursor` from the previous page. */
                cursor?: string;
                /** @description key=value; repeat for several. */
                label?: string | string[];
                limit?: number;
                name?: string;
                /** @description Direction of the sort; newest first by default. */
                order?: "asc" | "desc";
                /** @description created (submission time), name or state; ties by submission time. */
                sort?: "created" | "name" | "state";
                /** @description Comma-separated states, e.g. queued,running. */
                state?: string;
                /** @description User name; `me` for yourself. */
                user?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["JobPage"];
                };
            };
            /** @description Problem */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    postJobs: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["JobSpec"];
            };
        };
        responses: {
            /** @description OK */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Job"];
                };
            };
            /** @description Problem */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    getJobsById: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["JobDetail"];
                };
            };
            /** @description Problem */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    postJobsByIdCancel: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Job"];
                };
            };
            /** @description Problem */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    getJobsByIdLogs: {
        parameters: {
            query?: {
                follow?: boolean | ("0" | "1" | "true" | "false");
                /** @description Start at this byte of the log. */
                offset?: number;
                /** @description Start at the last N lines (as tail -n); not with offset. */
                tail?: number;
            };
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Stream */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "text/plain": string;
                };
            };
            /** @description Problem */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    postJobsByIdRetry: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description OK */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Job"];
                };
            };
            /** @description Problem */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    getMe: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Me"];
                };
            };
            /** @description Problem */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    getPortalStart: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Journey"];
                };
            };
            /** @description Problem */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    "getSchemasJobSpec.json": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        [key: string]: unknown;
                    };
                };
            };
            /** @description Problem */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    postSessions: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description OK */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["SignedIn"];
                };
            };
            /** @description Problem */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    deleteSessionsCurrent: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @constant */
                        signedOut: true;
                    };
                };
            };
            /** @description Problem */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    getTokens: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        items: components["schemas"]["TokenInfo"][];
                    };
                };
            };
            /** @description Problem */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    postTokens: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    expiresInDays?: number;
                    /** @default token */
                    name?: string;
                };
            };
        };
        responses: {
            /** @description OK */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["NewToken"];
                };
            };
            /** @description Problem */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    deleteTokensById: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @constant */
                        revoked: true;
                    };
                };
            };
            /** @description Problem */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    getUsers: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        items: components["schemas"]["User"][];
                    };
                };
            };
            /** @description Problem */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    postUsers: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    name: string;
                    /**
                     * @default member
                     * @enum {string}
                     */
                    role?: "admin" | "member";
                };
            };
        };
        responses: {
            /** @description OK */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        token: string;
                        user: components["schemas"]["User"];
                    };
                };
            };
            /** @description Problem */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    deleteUsersByNameSessions: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description The user's name, as `plinth users ls` shows it. */
                name: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @description How many browser sessions ended. */
                        ended: number;
                    };
                };
            };
            /** @description Problem */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    getUsersByNameTokens: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description The user's name, as `plinth users ls` shows it. */
                name: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        items: components["schemas"]["TokenInfo"][];
                    };
                };
            };
            /** @description Problem */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    deleteUsersByNameTokensById: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
                /** @description The user's name, as `plinth users ls` shows it. */
                name: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @constant */
                        revoked: true;
                    };
                };
            };
            /** @description Problem */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    "get-Healthz": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @enum {string} */
                        database: "sqlite" | "postgres";
                        /** @constant */
                        status: "ok";
                        version: string;
                    };
                };
            };
            /** @description Problem */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
}
