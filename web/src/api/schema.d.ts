// Generated from the server's OpenAPI document by scripts/gen-api-types.ts. Do not edit:
// change the zod schemas in src/, then run `npm run gen:api`.

export interface paths {
    "/api/v1/access-keys": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Your access keys for S3-style clients (secrets are never shown again) */
        get: operations["getAccessKeys"];
        put?: never;
        /** Create an access key; its secret is in this response only */
        post: operations["postAccessKeys"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/access-keys/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post?: never;
        /** Revoke an access key: clients using it are refused from now on */
        delete: operations["deleteAccessKeysById"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/audit": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * The audit log: who changed what, when, from where, before and after; newest first, one page at a time
         * @description Platform admins see every event; a team's admins see the events about that team's jobs and other objects; everyone sees their own actions.
         */
        get: operations["getAudit"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/audit/export": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * The audit log as JSON lines (one event per line, oldest first), streamed
         * @description Takes the same filters as GET /api/v1/audit, without paging. Platform admins see every event; a team's admins see the events about that team's jobs and other objects; everyone sees their own actions.
         */
        get: operations["getAuditExport"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/auth/methods": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** How people can sign in here: password, API token, and single sign-on when set up */
        get: operations["getAuthMethods"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/auth/oidc/callback": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Where the provider sends the browser back; signs in and redirects to the portal
         * @description On failure the browser lands on the sign-in page, which shows what went wrong.
         */
        get: operations["getAuthOidcCallback"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/auth/oidc/login": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Start single sign-on: redirects the browser to the provider */
        get: operations["getAuthOidcLogin"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
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
    "/api/v1/data/blobs/{sha256}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        /** Upload one file's bytes (application/octet-stream, Content-Length required); checked against the sha256 the URL names */
        put: operations["putDataBlobsBySha256"];
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/data/blobs/missing": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Which of these blobs you must upload before pushing a version that names them */
        post: operations["postDataBlobsMissing"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/data/gc": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Collect garbage now: delete blobs no version names any more, after the grace period (Keepers) */
        post: operations["postDataGc"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/data/signed": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Download through a presigned link (no token: the link's signature and expiry are checked) */
        get: operations["getDataSigned"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/data/uploads": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Start (or resume) a resumable upload of one large file; answers the parts already received */
        post: operations["postDataUploads"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/data/uploads/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** A resumable upload: its part size and the parts received so far */
        get: operations["getDataUploadsById"];
        put?: never;
        post?: never;
        /** Abandon a resumable upload; the parts received are deleted */
        delete: operations["deleteDataUploadsById"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/data/uploads/{id}/complete": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Finish a resumable upload: the parts are joined and checked against the file's sha256 and size */
        post: operations["postDataUploadsByIdComplete"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/data/uploads/{id}/parts/{n}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        /** Send one part of a resumable upload (application/octet-stream); parts go in any order, and again if one failed */
        put: operations["putDataUploadsByIdPartsByN"];
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/datasets": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Datasets you may read, the most recently changed first; search with q */
        get: operations["getDatasets"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/datasets/{name}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** A dataset: its versions (newest first), tags and expectations */
        get: operations["getDatasetsByName"];
        put?: never;
        post?: never;
        /** Remove a dataset with all its versions (its owner and the team's admins); the bytes go at the next garbage collection */
        delete: operations["deleteDatasetsByName"];
        options?: never;
        head?: never;
        /** Change a dataset's description, visibility or expectations (its owner and the team's admins) */
        patch: operations["patchDatasetsByName"];
        trace?: never;
    };
    "/api/v1/datasets/{name}/aliases/{alias}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        /** Point a tag (prod, candidate…) at a version (its owner and the team's admins) */
        put: operations["putDatasetsByNameAliasesByAlias"];
        post?: never;
        /** Remove a tag (its owner and the team's admins); `latest` stays */
        delete: operations["deleteDatasetsByNameAliasesByAlias"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/datasets/{name}/diff": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Files added, removed and changed between two versions */
        get: operations["getDatasetsByNameDiff"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/datasets/{name}/versions": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Every version of a dataset, newest first */
        get: operations["getDatasetsByNameVersions"];
        put?: never;
        /**
         * Push a version: the manifest of its files; creates the dataset on first push and lists blobs to upload first
         * @description A blob counts as present only if you uploaded it or it is in a version you may read. An unchanged manifest answers the latest version with `created: false`. Tables (CSV, TSV, Parquet) are profiled and the dataset's expectations checked; a malformed table or a broken rule is a 422 that names the file, the column and the rule.
         */
        post: operations["postDatasetsByNameVersions"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/datasets/{name}/versions/{version}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** A version: its files with their table profiles, the job that made it and the jobs that read it */
        get: operations["getDatasetsByNameVersionsByVersion"];
        put?: never;
        post?: never;
        /** Remove a version and the tags on it (its owner and the team's admins); `latest` moves to the newest left */
        delete: operations["deleteDatasetsByNameVersionsByVersion"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/datasets/{name}/versions/{version}/files/{path}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Download one file of a version (Range, If-None-Match and If-Range supported) */
        get: operations["getDatasetsByNameVersionsByVersionFilesByPath"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/datasets/{name}/versions/{version}/preview": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The first rows of a table (CSV, TSV, Parquet) of a version, with its profile */
        get: operations["getDatasetsByNameVersionsByVersionPreview"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/datasets/{name}/versions/{version}/url": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** A presigned download link for one file: works without a token until it expires */
        post: operations["postDatasetsByNameVersionsByVersionUrl"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/environments": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The Python environments built on this machine, most recently used first */
        get: operations["getEnvironments"];
        put?: never;
        /**
         * Build a Python environment before the jobs that need it: resolved now, built in the background
         * @description Answers 202 with the environment's key once its packages are pinned (422 naming a package that cannot be installed); GET /api/v1/environments/{key} says when it is built.
         */
        post: operations["postEnvironments"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/environments/{key}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * One built Python environment: its Python, its packages, its size and use
         * @description While it is being built, answers 404 with the code `environment-building`; after a failed build asked for with POST /api/v1/environments, that build's error.
         */
        get: operations["getEnvironmentsByKey"];
        put?: never;
        post?: never;
        /**
         * Remove a built Python environment (Keepers); one a running job uses is refused
         * @description A job that asks for it later builds it again.
         */
        delete: operations["deleteEnvironmentsByKey"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/environments/images": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * The container images on this machine that jobs can run in, newest first
         * @description Where the server runs no containers, answers no images and `unavailable`: why, and what a Keeper does about it.
         */
        get: operations["getEnvironmentsImages"];
        put?: never;
        /**
         * Build a container image from a Containerfile in an uploaded folder: checked now, built in the background
         * @description Answers 202 with the build's key and the image name jobs give (`environment: {image: NAME}`); the same folder builds once. GET /api/v1/environments/images/{key} says when it is built.
         */
        post: operations["postEnvironmentsImages"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/environments/images/{key}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** A build's image once built; 404 `environment-building` while it runs, its error once it failed */
        get: operations["getEnvironmentsImagesByKey"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/environments/images/{key}/log": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** What an image build printed (podman build's output), for whoever started it and Keepers */
        get: operations["getEnvironmentsImagesByKeyLog"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/environments/images/{reference}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post?: never;
        /**
         * Remove a container image's name from the machine, and the image with its last name (Keepers); one a job's container uses is refused
         * @description Jobs pinned to it that have not started yet fail to start; jobs that ran in it keep its id in their record.
         */
        delete: operations["deleteEnvironmentsImagesByReference"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/environments/named": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The named environments of your teams (of one with ?team=), each with its latest version */
        get: operations["getEnvironmentsNamed"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/environments/named/{name}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** One named environment: every version, what each pins, and the latest jobs that used each */
        get: operations["getEnvironmentsNamedByName"];
        put?: never;
        /**
         * Publish a new version of a named environment (team admins and Keepers); the first makes the name
         * @description The packages are pinned now (422 naming a package that cannot be installed); the environment is built by the first job that uses it, or ahead with POST /api/v1/environments.
         */
        post: operations["postEnvironmentsNamedByName"];
        /** Remove a named environment and its versions (team admins and Keepers); jobs that used it keep their environment */
        delete: operations["deleteEnvironmentsNamedByName"];
        options?: never;
        head?: never;
        /** Change a named environment's description (team admins and Keepers) */
        patch: operations["patchEnvironmentsNamedByName"];
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
    "/api/v1/experiments": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Experiments you may read, the newest first */
        get: operations["getExperiments"];
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
    "/api/v1/invitations": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Invitations, newest first (Keepers); their links are never shown again */
        get: operations["getInvitations"];
        put?: never;
        /** Invite someone (Keepers): a link that lets one person join, until it expires; shown only in this answer */
        post: operations["postInvitations"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/invitations/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post?: never;
        /** Withdraw an open invitation (Keepers): its link stops working */
        delete: operations["deleteInvitationsById"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/invitations/accept": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Join with an invitation link: choose a user name and password; answers with a session cookie
         * @description Needs the header `x-plinth-csrf: 1`.
         */
        post: operations["postInvitationsAccept"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/invitations/preview": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * What an invitation link offers (team, role, fixed user name), for the Join page
         * @description The secret travels in the body, not the URL, so that it stays out of logs.
         */
        post: operations["postInvitationsPreview"];
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
    "/api/v1/jobs/{id}/environment-log": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** What preparing a job's Python environment printed: uv's build output, or that it was ready */
        get: operations["getJobsByIdEnvironmentLog"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/jobs/{id}/lineage": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The dataset versions a job read and the ones it produced */
        get: operations["getJobsByIdLineage"];
        put?: never;
        post?: never;
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
        /** Who the token belongs to, their teams and the token's scopes */
        get: operations["getMe"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/me/password": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        /** Set or change your password (the current one is needed when one is set) */
        put: operations["putMePassword"];
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/me/sessions": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Your browsers that are signed in, this one marked */
        get: operations["getMeSessions"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/me/sessions/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post?: never;
        /** Sign one of your browsers out (a lost laptop, a shared computer) */
        delete: operations["deleteMeSessionsById"];
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
    "/api/v1/quotas": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Quotas with what is in use: your own and your teams' (Keepers: every team's, and every quota) */
        get: operations["getQuotas"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/quotas/{kind}/{name}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** One team's or user's quota, with what is in use */
        get: operations["getQuotasByKindByName"];
        /** Set limits of a team's or user's quota; limits left out stay as they are, null removes one (Keepers) */
        put: operations["putQuotasByKindByName"];
        post?: never;
        /** Remove a team's or user's quota: a team has no limits then, a user the platform-wide defaults (Keepers) */
        delete: operations["deleteQuotasByKindByName"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/runs": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Runs you may read, with their params and latest metrics; filter and sort as MLflow's search_runs does
         * @description `filter` is MLflow's filter language (`metrics.acc > 0.9 and params.lr = '0.01'`); `sort` is a comma-separated list of keys, each with `-` in front for descending (`-metrics.acc,params.lr`). Without `experiment`, the runs of every experiment you may read.
         */
        get: operations["getRuns"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/runs/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** A run: its params, latest metrics, tags, experiment, job and top-level artifacts */
        get: operations["getRunsById"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/runs/{id}/metrics": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * The histories of a run's metrics, in step order (for charts)
         * @description Up to 100 keys. Each history is answered whole up to 25,000 points, and 100,000 points in all are shared evenly among the keys asked for; a longer history is answered as points evenly spread over it, its first and last among them, and its key is listed in `thinned`. MLflow's `get_metric_history` answers every point.
         */
        get: operations["getRunsByIdMetrics"];
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
    "/api/v1/secrets": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Your secrets and your teams' (names only; values are never shown) */
        get: operations["getSecrets"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/secrets/{name}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        /**
         * Set a secret: your own, or with ?team= a team's (its admins); replaces the value if it exists
         * @description The value is stored encrypted and given to jobs that name the secret in `secrets`; no API shows it again.
         */
        put: operations["putSecretsByName"];
        post?: never;
        /** Remove a secret: your own, or with ?team= a team's (its admins) */
        delete: operations["deleteSecretsByName"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/secrets/rotate-key": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Make a new encryption key and re-encrypt every secret and access key with it (Keepers)
         * @description When the key is the one Plinth made in its data directory, a new one replaces it. When it comes from the configuration (secrets.key or secrets.keyFile), Plinth cannot change it: this re-encrypts what older keys encrypted and answers `rotated: false`; the Configure Plinth guide gives the steps.
         */
        post: operations["postSecretsRotateKey"];
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
    "/api/v1/sessions/password": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Sign in with user name and password; answers with a session cookie
         * @description Failures are limited per user name (5 in 15 minutes) and per client address (20 in 15 minutes); past the limit the answer is 429 with Retry-After. Needs the header `x-plinth-csrf: 1`.
         */
        post: operations["postSessionsPassword"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/ssh-keys": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Your SSH public keys, with their fingerprints */
        get: operations["getSshKeys"];
        put?: never;
        /**
         * Add one of your SSH public keys (ed25519, ECDSA, or RSA of 3072 bits or more)
         * @description The key must not belong to anyone else on the platform. Private keys are refused, and not stored or logged.
         */
        post: operations["postSshKeys"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/ssh-keys/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post?: never;
        /** Delete an SSH key: your own, or anyone's for a Keeper */
        delete: operations["deleteSshKeysById"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/ssh-keys/authorized-keys": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * An authorized_keys file for a host: one line per key, commented plinth:PERSON:KEYNAME
         * @description Keepers get everyone's keys, a team's admins those of their team's members, anyone else their own. People who were removed are never in it. Filter by `user` and `team`.
         */
        get: operations["getSshKeysAuthorizedKeys"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/teams": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The teams on this platform */
        get: operations["getTeams"];
        put?: never;
        /** Create a team (admins) */
        post: operations["postTeams"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/teams/{team}/members": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** A team's members and their roles */
        get: operations["getTeamsByTeamMembers"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/teams/{team}/members/{name}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        /** Add a person to a team, or change their role in it (admins and the team's admins) */
        put: operations["putTeamsByTeamMembersByName"];
        post?: never;
        /** Take a person out of a team (admins and the team's admins) */
        delete: operations["deleteTeamsByTeamMembersByName"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/teams/{team}/workspace-settings": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** A team's workspace settings: its idle stop and longest lifetime */
        get: operations["getTeamsByTeamWorkspaceSettings"];
        /** Set a team's idle stop and longest lifetime for workspaces (its admins and Keepers) */
        put: operations["putTeamsByTeamWorkspaceSettings"];
        post?: never;
        delete?: never;
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
        /** Create an API token, with an expiry and scopes if you like; the secret is in this response only */
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
        /** Everyone on this platform, with their teams (emails for Keepers only) */
        get: operations["getUsers"];
        put?: never;
        /** Add a person to the platform and a team, with their first token (admins) */
        post: operations["postUsers"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/users/{name}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** One person, with their teams */
        get: operations["getUsersByName"];
        put?: never;
        post?: never;
        /** Remove a person: revokes their tokens, keys and sessions at once; their work stays with their teams (admins) */
        delete: operations["deleteUsersByName"];
        options?: never;
        head?: never;
        /** Change a profile: your own display name and email; anything for admins */
        patch: operations["patchUsersByName"];
        trace?: never;
    };
    "/api/v1/users/{name}/password": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        /** Set someone's password (Keepers); signs them out of every browser */
        put: operations["putUsersByNamePassword"];
        post?: never;
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
    "/api/v1/users/{name}/ssh-keys": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** A person's SSH public keys (Keepers, or the person themselves) */
        get: operations["getUsersByNameSshKeys"];
        put?: never;
        /** Add an SSH public key for a person (Keepers, or the person themselves) */
        post: operations["postUsersByNameSshKeys"];
        delete?: never;
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
    "/api/v1/workspaces": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Your workspaces; with all=true every one you may see (Keepers: all) */
        get: operations["getWorkspaces"];
        put?: never;
        /** Create a workspace and start it: an app with CPUs, memory and GPUs reserved through the queue */
        post: operations["postWorkspaces"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/workspaces/{ref}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** One workspace: its state, why it waits, how long it has been unused and when it stops */
        get: operations["getWorkspacesByRef"];
        put?: never;
        post?: never;
        /** Delete a stopped workspace (the home folder stays: it is yours, not the workspace's) */
        delete: operations["deleteWorkspacesByRef"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/workspaces/{ref}/events": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** A workspace's lifecycle: every transition with its time and cause */
        get: operations["getWorkspacesByRefEvents"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/workspaces/{ref}/ssh": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * How to reach a workspace by SSH: its login name and host key (with Upgrade: plinth-ssh, the tunnel itself)
         * @description `plinth ssh` and `plinth config-ssh` use it. The same URL with `Connection: Upgrade` and `Upgrade: plinth-ssh` answers 101 and carries an SSH connection to the workspace; the person needs a registered SSH key.
         */
        get: operations["getWorkspacesByRefSsh"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/workspaces/{ref}/start": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Start a stopped workspace again (its home folder is as it was left) */
        post: operations["postWorkspacesByRefStart"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/workspaces/{ref}/stop": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Stop a workspace: its GPUs go back to the queue, its home folder is kept
         * @description Its owner, an admin of its team or a Keeper may stop it.
         */
        post: operations["postWorkspacesByRefStop"];
        delete?: never;
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
        AccessKeyInfo: {
            createdAt: string;
            /** @description The access key id, e.g. PLKAJ5XQ2M7RBW4T6YHN; not secret. */
            id: string;
            lastUsedAt: string | null;
            name: string;
            revokedAt: string | null;
        };
        AuditEvent: {
            /** @description What was done, `<kind>.<verb>`: job.submit, job.cancel, token.create, user.add… */
            action: string;
            /** @description Who made the change. */
            actor: {
                /** @description The API token or browser session the change was made with. */
                credentialId: string | null;
                /** @description Null for `system`: a change the platform made by itself. */
                id: string | null;
                name: string;
            };
            /** @description The changed object after the change (JSON); secret values are never recorded. */
            after: unknown | null;
            /** @description When the change was made (ISO 8601, UTC). */
            at: string;
            /** @description The changed object before the change (JSON); secret values are never recorded. */
            before: unknown | null;
            /** @description The client's network address and its User-Agent. */
            from: {
                address: string | null;
                userAgent: string | null;
            };
            id: string;
            /** @description What was changed. */
            target: {
                id: string | null;
                kind: string;
                name: string | null;
            };
            /** @description The team the changed object belongs to. */
            teamId: string | null;
        };
        AuditPage: {
            items: components["schemas"]["AuditEvent"][];
            nextCursor: string | null;
        };
        BlobStored: {
            /** @description False when the store already held these bytes. */
            created: boolean;
            sha256: string;
            size: number;
        };
        /** @description An environment to build before a job needs it: the same packages a job spec's environment would name. */
        BuildEnvironment: {
            /** @description Packages, one requirement each: ["numpy==2.1.*", "pandas>=2"]. */
            packages: string[];
            /** @description The Python: a version such as "3.12" (one installed on the machine), or the absolute path of an interpreter. Unset: the system python3. */
            python?: string;
        };
        BuildImage: {
            /** @description The uploaded folder: the build's context. */
            code: string;
            /**
             * @description The Containerfile (or Dockerfile) in it.
             * @default Containerfile
             */
            containerfile: string;
        };
        Cluster: {
            /** @description The clusters jobs can also run on (`executors` in the server's settings), with their nodes as the cluster reports them. */
            executors: {
                /** @description Why its nodes could not be read just now; null when they were. */
                error: string | null;
                /** @enum {string} */
                kind: "slurm" | "kubernetes";
                name: string;
                nodes: {
                    cpus: number;
                    gpus: {
                        count: number;
                        model: string;
                    }[];
                    /** @description Slurm partitions, or the Kubernetes node pool. */
                    groups: string[];
                    memoryBytes: number;
                    name: string;
                    state: string;
                    usable: boolean;
                }[];
                readAt: string;
            }[];
            nodes: {
                cpus: number;
                cpusAllocated: number;
                gpus: {
                    /** @description Whether a job holds the GPU, yours to see or not. */
                    busy: boolean;
                    fake: boolean;
                    index: number;
                    /** @description The job holding the GPU, when you may see it. */
                    jobId: string | null;
                    memoryBytes: number;
                    model: string;
                    uuid: string;
                }[];
                memoryAllocated: number;
                memoryBytes: number;
                name: string;
            }[];
            /** @description The queued jobs you may see; positions count every queued job. */
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
        DataGcResult: {
            deletedBlobs: number;
            expiredUploads: number;
            freedBytes: number;
        };
        /** @description A named, versioned set of files in a team. */
        Dataset: {
            createdAt: string;
            description: string;
            id: string;
            /** @description The newest version, or null while there is none. */
            latest: {
                createdAt: string;
                fileCount: number;
                number: number;
                totalBytes: number;
            } | null;
            name: string;
            /** @description Who made the dataset (a user name). */
            owner: string;
            /** @description The team's name. */
            team: string;
            teamId: string;
            updatedAt: string;
            /**
             * @description Who may read it: `private` the owner and the team's admins, `team` everyone in its team, `public` everyone signed in.
             * @enum {string}
             */
            visibility: "private" | "team" | "public";
        };
        DatasetDetail: {
            /** @description Alias → version number. */
            aliases: {
                [key: string]: number;
            };
            createdAt: string;
            description: string;
            /** @description Rules every new version's tables must meet, or null. */
            expectations: components["schemas"]["Expectations"] | null;
            id: string;
            /** @description The newest version, or null while there is none. */
            latest: {
                createdAt: string;
                fileCount: number;
                number: number;
                totalBytes: number;
            } | null;
            name: string;
            /** @description Who made the dataset (a user name). */
            owner: string;
            /** @description The team's name. */
            team: string;
            teamId: string;
            updatedAt: string;
            /** @description Newest first, at most 100. */
            versions: components["schemas"]["DatasetVersion"][];
            /**
             * @description Who may read it: `private` the owner and the team's admins, `team` everyone in its team, `public` everyone signed in.
             * @enum {string}
             */
            visibility: "private" | "team" | "public";
        };
        /** @description Files added, removed and changed from one version to another (by path and content). */
        DatasetDiff: {
            added: components["schemas"]["DatasetFile"][];
            changed: {
                from: components["schemas"]["DatasetFile"];
                path: string;
                to: components["schemas"]["DatasetFile"];
            }[];
            from: number;
            removed: components["schemas"]["DatasetFile"][];
            to: number;
        };
        /** @description One file of a version; `profile` for tables (CSV, TSV, Parquet), null for other files. */
        DatasetFile: {
            path: string;
            profile: components["schemas"]["TableProfile"] | null;
            sha256: string;
            size: number;
        };
        /** @description An immutable version of a dataset: a manifest of files. */
        DatasetVersion: {
            /** @description The aliases that point at it (latest, prod, tags). */
            aliases: string[];
            createdAt: string;
            /** @description Who pushed it (a user name). */
            createdBy: string;
            /** @description `sha256:` of the canonical manifest: the same files always give the same digest. */
            digest: string;
            fileCount: number;
            id: string;
            message: string;
            /** @description 1, 2, 3… within the dataset: `name@v3`. */
            number: number;
            /** @description The job whose output this version is, if one made it. */
            producedByJobId: string | null;
            totalBytes: number;
        };
        DatasetVersionDetail: {
            /** @description The aliases that point at it (latest, prod, tags). */
            aliases: string[];
            createdAt: string;
            /** @description Who pushed it (a user name). */
            createdBy: string;
            dataset: string;
            /** @description `sha256:` of the canonical manifest: the same files always give the same digest. */
            digest: string;
            fileCount: number;
            /** @description Sorted by path. */
            files: components["schemas"]["DatasetFile"][];
            id: string;
            message: string;
            /** @description 1, 2, 3… within the dataset: `name@v3`. */
            number: number;
            /** @description The job that wrote this version as an output (when you may see it). */
            producedBy: {
                jobId: string;
                jobName: string | null;
            } | null;
            /** @description The job whose output this version is, if one made it. */
            producedByJobId: string | null;
            /** @description Jobs that read this version as an input (the ones you may see). */
            readBy: {
                input: string;
                jobId: string;
                jobName: string | null;
            }[];
            team: string;
            totalBytes: number;
        };
        DescribeEnvironment: {
            description: string;
        };
        Environment: {
            created: string;
            /** @description The interpreter it is built on, e.g. /usr/bin/python3.11. */
            interpreter: string;
            /** @description How many running jobs hold it; one in use is never removed. */
            inUse: number;
            /** @description A hash of the environment's lock, interpreter and platform. */
            key: string;
            /** @description When a job last started in it (or it was built). */
            lastUsed: string;
            /** @description Every package installed, as name==version. */
            packages: string[];
            /** @description Its folder on the server (shown to Keepers only). */
            path?: string;
            /** @description The full Python version, e.g. "3.11.2". */
            python: string;
            /** @description Disk it takes by itself (files shared with uv's cache included). */
            sizeBytes: number;
        };
        EnvironmentBuildStarted: {
            /** @description Whether it was built already; if not, it is being built now. */
            built: boolean;
            key: string;
            /** @description Every package it pins, as name==version. */
            packages: string[];
            python: string;
        };
        /** @description The Python environment the job runs in, built once by Plinth and shared by every job that asks for the same packages. */
        EnvironmentSpec: {
            /** @description A container image on the server (podman), e.g. localhost/plinth-env:3f2a9c1d0b7e from `plinth env build --containerfile`: the job runs in it, with its folder, inputs and GPUs mounted. Pinned at submit to the image's id. */
            image?: string;
            /** @description Packages, one requirement each: ["numpy==2.1.*", "pandas>=2"]. */
            packages?: string[];
            /** @description A uv project folder in the job's code ("." for the code folder itself) with pyproject.toml and uv.lock: the packages its lock file pins. */
            project?: string;
            /** @description The Python: a version such as "3.12" (one installed on the machine), or the absolute path of an interpreter. Unset: the system python3. */
            python?: string;
            /** @description A requirements file in the job's code folder, e.g. requirements.txt: one package per line, as pip reads it. */
            requirements?: string;
        };
        /** @description Rules a dataset's tables must meet; checked at upload and when a job that reads them is submitted. */
        Expectations: {
            /** @description Columns that must be present, with their type (`number` accepts integer or float, `any` only asks for the column). */
            columns?: {
                [key: string]: "integer" | "float" | "boolean" | "string" | "date" | "timestamp" | "binary" | "other" | "number" | "any";
            };
            /**
             * @description Which tabular files the rules apply to: a path or a glob (`*.csv`, `train/**`). Default: every CSV, TSV and Parquet file.
             * @default **\/*
             */
            files: string;
            /** @description Columns that must have no empty or null values. */
            nonNull?: string[];
            /** @description How many rows each file must have. */
            rows?: {
                max?: number;
                min?: number;
            };
            /** @description Every column of the other dataset's table (but `except`) must be here with the same type: a table for prediction keeps all the features the model was trained on. */
            sameColumnsAs?: {
                /** @description A dataset reference, e.g. `iris-train@prod`. */
                dataset: string;
                /**
                 * @description Columns of that dataset not needed here (the label column of a training table).
                 * @default []
                 */
                except: string[];
            };
        };
        /** @description An experiment: a team's set of runs. */
        Experiment: {
            createdAt: string;
            /** @description The name of the person who made it. */
            createdBy: string;
            id: string;
            /** @enum {string} */
            lifecycle: "active" | "deleted";
            name: string;
            tags: {
                [key: string]: string;
            };
            /** @description The team's name. */
            team: string;
            updatedAt: string;
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
        /** @description For a queued job a quota holds back: which quota, how full it is, and when it frees up. */
        HeldBy: {
            /** @description When the quota is expected to let the job start, as far as it alone decides; null when unknown or never. */
            freesAt: string | null;
            limit: number;
            message: string;
            /**
             * @description GPUs held at once, jobs running at once, or GPU-hours in the last 7 days.
             * @enum {string}
             */
            quota: "gpus" | "runningJobs" | "gpuHours";
            scope: {
                id: string;
                /** @enum {string} */
                kind: "user" | "team";
                name: string | null;
            };
            /** @description In the quota's unit: GPUs, jobs or GPU-hours. */
            used: number;
        };
        /** @description A container image on the server that jobs can run in. */
        Image: {
            /** @description The key of the `plinth env build` that made it, if Plinth built it. */
            builtByPlinth?: string | null;
            created: string | null;
            /** @description Its manifest digest, as a registry shows it. */
            digest: string | null;
            /** @description The image's id (sha256 hex): what a job pinned to it runs. */
            id: string;
            /** @description Every name the image has on the server. */
            names: string[];
            /** @description The name to give in a job spec's environment.image. */
            reference: string;
            sizeBytes: number | null;
        };
        Invitation: {
            createdAt: string;
            createdBy: string;
            expiresAt: string;
            id: string;
            /** @description The user name the invitation fixes; null: the invitee chooses. */
            name: string | null;
            /** @enum {string} */
            role: "admin" | "member" | "viewer";
            /** @enum {string} */
            state: "open" | "used" | "expired" | "revoked";
            team: string;
            usedAt: string | null;
            usedBy: string | null;
        };
        InvitationPreview: {
            expiresAt: string;
            invitedBy: string;
            name: string | null;
            /** @enum {string} */
            role: "admin" | "member" | "viewer";
            team: string;
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
            /** @description The cluster's own id for it, once submitted there: a Slurm job id, a Kubernetes Job's name. */
            engineId: string | null;
            estimateMs: number | null;
            /** @description Where it runs: `local` (this server's machine) or the name of a cluster under the server's `executors`. */
            executor: string;
            exitCode: number | null;
            /** @description Why the job did not succeed, with what to do about it. */
            failure: {
                hint: string | null;
                logTail: string | null;
                message: string;
                /** @enum {string} */
                reason: "out_of_memory" | "time_limit" | "command_not_found" | "permission_denied" | "python_exception" | "nonzero_exit" | "signal" | "cancelled" | "lost" | "start_failed" | "disk_limit" | "input_unavailable" | "output_not_saved";
            } | null;
            finishedAt: string | null;
            heldBy: components["schemas"]["HeldBy"] | null;
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
            state: "queued" | "starting" | "running" | "saving" | "succeeded" | "failed" | "cancelled" | "timed_out" | "lost";
            teamId: string | null;
            timeoutMs: number | null;
            userId: string;
            /** @enum {string} */
            visibility: "private" | "team" | "public";
            /** @description For a job queued on a cluster: why the cluster has not started it yet, in words. */
            waiting: string | null;
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
            /** @description The cluster's own id for it, once submitted there: a Slurm job id, a Kubernetes Job's name. */
            engineId: string | null;
            /** @description Its Python environment, pinned at submit; null when the spec names none. */
            environment: components["schemas"]["JobEnvironment"] | null;
            estimateMs: number | null;
            events: components["schemas"]["JobEvent"][];
            /** @description Where it runs: `local` (this server's machine) or the name of a cluster under the server's `executors`. */
            executor: string;
            exitCode: number | null;
            /** @description Why the job did not succeed, with what to do about it. */
            failure: {
                hint: string | null;
                logTail: string | null;
                message: string;
                /** @enum {string} */
                reason: "out_of_memory" | "time_limit" | "command_not_found" | "permission_denied" | "python_exception" | "nonzero_exit" | "signal" | "cancelled" | "lost" | "start_failed" | "disk_limit" | "input_unavailable" | "output_not_saved";
            } | null;
            finishedAt: string | null;
            heldBy: components["schemas"]["HeldBy"] | null;
            id: string;
            /** @description Dataset versions the job reads, as fixed at submit. */
            inputs: components["schemas"]["JobInput"][];
            labels: {
                [key: string]: string;
            };
            name: string;
            node: string | null;
            /** @description Folders the job saves as dataset versions, with the versions they became. */
            outputs: components["schemas"]["JobOutput"][];
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
            state: "queued" | "starting" | "running" | "saving" | "succeeded" | "failed" | "cancelled" | "timed_out" | "lost";
            teamId: string | null;
            timeoutMs: number | null;
            userId: string;
            /** @enum {string} */
            visibility: "private" | "team" | "public";
            /** @description For a job queued on a cluster: why the cluster has not started it yet, in words. */
            waiting: string | null;
            /** @description Something a job that succeeded should still tell its owner: a helper process killed for memory. */
            warning: {
                hint: string | null;
                message: string;
            } | null;
        };
        /** @description The Python environment or container image the job runs in, as pinned when it was submitted. */
        JobEnvironment: {
            /** @description The container image it runs in, pinned at submit: the name given, the id that runs, its manifest digest; null for a Python environment. */
            image: {
                digest: string | null;
                id: string;
                reference: string;
            } | null;
            /** @description The interpreter it is built on, e.g. /usr/bin/python3.11; null for an image. */
            interpreter: string | null;
            /** @description The environment's key: a hash of its lock, interpreter and platform (for an image, the image's id). */
            key: string;
            /** @description The named environment version it was pinned from, when the spec named one (`environment: pytorch`). */
            named?: {
                name: string;
                version: number;
            };
            /** @description Every package pinned at submit, as name==version, sorted ("six==1.16.0"). */
            packages: string[];
            /** @description The full Python version, e.g. "3.11.2"; null for an image. */
            python: string | null;
        };
        JobEvent: {
            at: string;
            detail: {
                [key: string]: unknown;
            } | null;
            from: ("queued" | "starting" | "running" | "saving" | "succeeded" | "failed" | "cancelled" | "timed_out" | "lost") | null;
            /** @enum {string} */
            to: "queued" | "starting" | "running" | "saving" | "succeeded" | "failed" | "cancelled" | "timed_out" | "lost";
        };
        JobInput: {
            dataset: string;
            name: string;
            /** @description The reference as written in the spec. */
            ref: string;
            team: string;
            /** @description The version the reference meant when the job was submitted; retries read the same. */
            version: number;
            versionId: string;
        };
        /** @description The dataset versions a job read and the ones it produced. */
        JobLineage: {
            inputs: components["schemas"]["LineageEntry"][];
            outputs: components["schemas"]["LineageEntry"][];
        };
        JobOutput: {
            dataset: string;
            name: string;
            /** @description The folder, relative to the job's working directory. */
            path: string;
            tag: string | null;
            team: string | null;
            /** @description The version it was saved as; null until saved (or when you may not read it). */
            version: number | null;
            versionId: string | null;
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
             * @description Environment variables for the job. Whoever may see the job sees these values: put credentials in `secrets`.
             * @default {}
             */
            env: {
                [key: string]: string;
            };
            /** @description The Python environment the job runs in: a named environment of its team (`pytorch`, `pytorch@3`), or its Python and packages. */
            environment?: components["schemas"]["NamedEnvironmentRef"] | components["schemas"]["EnvironmentSpec"];
            /** @description Expected run time; short jobs are started sooner. */
            estimate?: string | number;
            /** @description Where the job runs: `local` (this server's machine) or a cluster the server names under `executors` (`plinth cluster` lists them). Unset: the server's routing rules choose. */
            executor?: string;
            /** @description Datasets the job reads, by name: each is made available read-only before the job starts, its folder in PLINTH_INPUT_<NAME>. The version is fixed when the job is submitted. */
            inputs?: {
                [key: string]: string | {
                    /** @description A dataset reference: `name`, `team/name`, `name@v3`, `name@prod` or `name@sha256:<hex>`; without a version, the latest. */
                    dataset: string;
                    /** @description Rules the version's tables must meet for this job (besides the dataset's own); a job that breaks them is refused at submit. */
                    expect?: components["schemas"]["Expectations"];
                };
            };
            /** @default {} */
            labels: {
                [key: string]: string;
            };
            /** @description A name to find the job by; runs with the same name share run-time estimates. */
            name?: string;
            /** @description Folders the job writes, by name: when it succeeds each becomes a new version of a dataset in the job's team. PLINTH_OUTPUT_<NAME> holds the folder's path. */
            outputs?: {
                [key: string]: string | {
                    /** @description The dataset (in the job's team) that gets the new version; the output's name when left out. */
                    dataset?: string;
                    /** @description A folder relative to the job's working directory, e.g. `out/`. */
                    path: string;
                    /** @description A tag the new version gets, such as `candidate`. */
                    tag?: string;
                };
            };
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
                on: ("out_of_memory" | "time_limit" | "command_not_found" | "permission_denied" | "python_exception" | "nonzero_exit" | "signal" | "cancelled" | "lost" | "start_failed" | "disk_limit" | "input_unavailable" | "output_not_saved")[];
            };
            /** @description A bash script, run instead of `command`. */
            script?: string;
            /**
             * @description Secrets the job gets as environment variables of the same name, e.g. [WANDB_API_KEY]: your own (`plinth secrets set NAME`), or else the job's team's. The spec holds only the names; the values are put into the job's environment when it starts, and a value the job prints is masked with * in its log.
             * @default []
             */
            secrets: string[];
            /** @description The team the job belongs to; one of yours where you are a member or admin. Left out: your primary team. */
            team?: string;
            /** @description Stop the job after this long (state timed_out). */
            timeout?: string | number;
            /**
             * @description Who may see the job, its spec (env values included) and its log: `private` you and the admins, `team` (the default) everyone in its team, `public` everyone signed in. Put credentials in `secrets`, never in `env`.
             * @default team
             * @enum {string}
             */
            visibility: "private" | "team" | "public";
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
        LineageEntry: {
            dataset: string;
            datasetId: string;
            /** @description The input's or output's name in the job spec. */
            name: string;
            team: string;
            version: number;
            versionId: string;
        };
        Me: {
            displayName: string | null;
            id: string;
            name: string;
            /** @enum {string} */
            role: "admin" | "member";
            scopes: string[] | null;
            teams: components["schemas"]["Membership"][];
        };
        Membership: {
            /** @enum {string} */
            role: "admin" | "member" | "viewer";
            team: string;
        };
        MetricHistory: {
            /** @description Each metric asked for: its points in step order. */
            metrics: {
                [key: string]: {
                    step: number;
                    timestamp: number;
                    value: number | ("NaN" | "Infinity" | "-Infinity");
                }[];
            };
            runId: string;
            /** @description The keys whose history was longer than their share, answered as points evenly spread over it. */
            thinned: string[];
        };
        /** @description An environment a team publishes by name; `environment: NAME` in a job spec uses its latest version. */
        NamedEnvironment: {
            createdAt: string;
            description: string;
            latest: components["schemas"]["NamedEnvironmentVersion"];
            name: string;
            /** @description Who published its first version. */
            owner: string;
            team: string;
            teamId: string;
            updatedAt: string;
        };
        NamedEnvironmentDetail: {
            createdAt: string;
            description: string;
            latest: components["schemas"]["NamedEnvironmentVersion"];
            name: string;
            /** @description Who published its first version. */
            owner: string;
            /** @description The latest jobs submitted with it that you may see, newest first, with the version each used. */
            recentJobs: {
                id: string;
                name: string;
                submittedAt: string;
                version: number;
            }[];
            team: string;
            teamId: string;
            updatedAt: string;
            /** @description Every version, newest first. */
            versions: components["schemas"]["NamedEnvironmentVersion"][];
        };
        /** @description A named environment of the job's team: `pytorch` for its latest version, `pytorch@3` for version 3 (`plinth env named ls` lists them). */
        NamedEnvironmentRef: string;
        NamedEnvironmentVersion: {
            createdAt: string;
            /** @description The packages as published, e.g. torch or numpy>=2 (none for an image). */
            packages: string[];
            pinned: {
                /** @description The container image it was pinned to, for an image version. */
                image: {
                    digest: string | null;
                    id: string;
                    reference: string;
                } | null;
                /** @description The environment's key (see /api/v1/environments); for an image, its id. */
                key: string;
                /** @description Every package pinned, as name==version. */
                packages: string[];
                /** @description The full Python version it was pinned for; null for an image. */
                python: string | null;
            };
            publishedBy: string;
            /** @description The Python asked for, or null for the system python3. */
            python: string | null;
            version: number;
        };
        NewAccessKey: {
            accessKeyId: string;
            info: components["schemas"]["AccessKeyInfo"];
            /** @description The secret; shown only now. */
            secretAccessKey: string;
        };
        NewInvitation: {
            invitation: components["schemas"]["Invitation"];
            /** @description The link to send; it works once, until it expires, and is shown only now. */
            url: string;
        };
        NewToken: {
            info: components["schemas"]["TokenInfo"];
            /** @description The secret; shown only now. */
            token: string;
        };
        PatchDataset: {
            description?: string;
            /** @description Rules each new version must meet; null removes them. */
            expectations?: components["schemas"]["Expectations"] | null;
            /**
             * @description Who may read it: `private` the owner and the team's admins, `team` everyone in its team, `public` everyone signed in.
             * @enum {string}
             */
            visibility?: "private" | "team" | "public";
        };
        PresignedUrl: {
            expiresAt: string;
            url: string;
        };
        PresignRequest: {
            /** @description How long the link works: `15m`, `1h` (default: storage.presignExpiry), at most `7d`. */
            expiresIn?: string;
            /** @description The file's path inside the dataset, with / between folders. */
            path: string;
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
        /** @description A new version of a named environment: its Python and packages, or a container image, pinned when published. */
        PublishEnvironment: {
            /** @description What it is for; kept from the last version when left out. */
            description?: string;
            /** @description A container image on the server instead of Python packages (e.g. for r-4.4): pinned to its id when published. */
            image?: string;
            /** @description Packages, one requirement each: ["numpy==2.1.*", "pandas>=2"]. */
            packages?: string[];
            /** @description The Python: a version such as "3.12" (one installed on the machine), or the absolute path of an interpreter. Unset: the system python3. */
            python?: string;
            /** @description The team it is published in; left out: the one team you administer (your primary team first). */
            team?: string;
        };
        PushResult: {
            /** @description False when nothing changed since the latest version (it is answered). */
            created: boolean;
            /** @description Blobs to upload (PUT /api/v1/data/blobs/{sha256}, or a resumable upload) before pushing again. */
            missing: string[];
            /** @description The version, once every blob is present; null while some are missing. */
            version: components["schemas"]["DatasetVersion"] | null;
        };
        /** @description The files of a new version; blobs the server lacks are listed in `missing` and must be uploaded first. */
        PushVersion: {
            /** @description For a new dataset: a description. */
            description?: string;
            files: {
                /** @description The file's path inside the dataset, with / between folders. */
                path: string;
                sha256: string;
                size: number;
            }[];
            /** @description What changed, in a sentence. */
            message?: string;
            /** @description Aliases to point at the new version (`prod`, `candidate`). */
            tags?: string[];
            /**
             * @description For a new dataset: who may read it (default `team`). Ignored for an existing one; change it with PATCH.
             * @enum {string}
             */
            visibility?: "private" | "team" | "public";
        };
        Quota: {
            /** @description Which of the limits are the platform-wide per-user defaults (scheduler.maxGpusPerUser, maxRunningJobsPerUser) rather than a quota. */
            defaults: ("gpus" | "runningJobs" | "gpuHoursPerWeek" | "storageBytes")[];
            /** @description Queued jobs that one of these limits holds back now. */
            heldJobs: number;
            id: string;
            /** @description The limits that apply; null is no limit. */
            limits: {
                gpuHoursPerWeek: number | null;
                gpus: number | null;
                runningJobs: number | null;
                storageBytes: number | null;
            };
            name: string;
            /** @enum {string} */
            scope: "user" | "team";
            /** @description Whether a Keeper set a quota here (else only the platform-wide per-user defaults apply, if any). */
            set: boolean;
            updatedAt: string | null;
            updatedBy: string | null;
            /** @description What is held now, GPU-hours used in the last 7 days (running jobs counted so far), and bytes kept (teams). */
            usage: {
                gpuHoursPerWeek: number;
                gpus: number;
                runningJobs: number;
                storageBytes: number;
            };
        };
        RemovedUser: {
            /** @description What the removal did, one line each: tokens revoked, sessions ended, keys deleted, work handed to the team. */
            done: string[];
            user: components["schemas"]["User"];
        };
        RotateKeyResult: {
            /** @description The id of the key everything is sealed with now (not the key). */
            keyId: string;
            /** @description How many values were sealed again, per kind. */
            resealed: {
                [key: string]: number;
            };
            /** @description Whether a new key was made; false when the key comes from the configuration. */
            rotated: boolean;
        };
        RunDetail: {
            /** @description The files and folders at the top of the run's artifacts. */
            artifacts: {
                isDir: boolean;
                path: string;
                size?: number;
            }[];
            artifactUri: string;
            endTime: string | null;
            experiment: {
                id: string;
                name: string;
                team: string;
            };
            experimentId: string;
            id: string;
            /** @description The job that made the run, if a job did. */
            jobId: string | null;
            /** @enum {string} */
            lifecycle: "active" | "deleted";
            /** @description Each metric's latest point. */
            metrics: {
                [key: string]: {
                    step: number;
                    timestamp: number;
                    value: number | ("NaN" | "Infinity" | "-Infinity");
                };
            };
            name: string;
            params: {
                [key: string]: string;
            };
            startTime: string;
            /** @enum {string} */
            status: "RUNNING" | "SCHEDULED" | "FINISHED" | "FAILED" | "KILLED";
            tags: {
                [key: string]: string;
            };
            user: string;
        };
        /** @description A run with its params, latest metrics and tags. */
        RunSummary: {
            endTime: string | null;
            experimentId: string;
            id: string;
            /** @description The job that made the run, if a job did. */
            jobId: string | null;
            /** @enum {string} */
            lifecycle: "active" | "deleted";
            /** @description Each metric's latest point. */
            metrics: {
                [key: string]: {
                    step: number;
                    timestamp: number;
                    value: number | ("NaN" | "Infinity" | "-Infinity");
                };
            };
            name: string;
            params: {
                [key: string]: string;
            };
            startTime: string;
            /** @enum {string} */
            status: "RUNNING" | "SCHEDULED" | "FINISHED" | "FAILED" | "KILLED";
            tags: {
                [key: string]: string;
            };
            user: string;
        };
        SecretInfo: {
            createdAt: string;
            name: string;
            /** @description Whose secret it is, for a personal one. */
            owner: string | null;
            /**
             * @description `user`: one of your own; `team`: the team's, usable by its members.
             * @enum {string}
             */
            scope: "user" | "team";
            /** @description Who set its value last. */
            setBy: string;
            /** @description The team's name, for a team secret. */
            team: string | null;
            updatedAt: string;
        };
        SetAlias: {
            /** @description A version: 3, `v3`, another alias, or `sha256:<hex>`. */
            version: number | string;
        };
        SetQuota: {
            /** @description Most GPU-hours used in any 7 days (a rolling window; running jobs count as they go); null removes the limit, left out keeps it. */
            gpuHoursPerWeek?: number | null;
            /** @description Most GPUs held at once; null removes the limit, left out keeps it. */
            gpus?: number | null;
            /** @description Most jobs running at once; null removes the limit, left out keeps it. */
            runningJobs?: number | null;
            /** @description Teams only: most bytes of datasets (and S3 objects) the team keeps; a file in several versions counts once. Null removes the limit, left out keeps it. */
            storageBytes?: number | null;
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
        SignInMethods: {
            /** @constant */
            password: true;
            sso: {
                /** @description The provider's name, for 'Sign in with <name>'. */
                name: string;
                /** @description Where the browser goes to start. */
                url: string;
            } | null;
            /** @constant */
            token: true;
        };
        SshKey: {
            /** @description Who added it: the person, or a Keeper for them. */
            addedBy: string;
            bits: number;
            /** @description The comment the key came with, often `user@host`. */
            comment: string;
            createdAt: string;
            /** @description `SHA256:…`, as `ssh-keygen -lf` prints it. */
            fingerprint: string;
            id: string;
            name: string;
            /** @description `TYPE BASE64`: the key without its comment. */
            publicKey: string;
            /** @description ssh-ed25519, ecdsa-sha2-nistp256/384/521 or ssh-rsa. */
            type: string;
            /** @description Whose key it is. */
            user: string;
        };
        StartUpload: {
            /** @description Bytes per part (5 MiB to 5 GiB; default 64 MiB, more for files over 640 GiB: at most 10,000 parts). */
            partSize?: number;
            sha256: string;
            size: number;
            /** @description The team whose byte quota the file counts against; default: your primary team. */
            team?: string;
        };
        /** @description The first rows of a table, values as JSON. */
        TablePreview: {
            columns: {
                name: string;
                /** @enum {string} */
                type: "integer" | "float" | "boolean" | "string" | "date" | "timestamp" | "binary" | "other";
            }[];
            path: string;
            profile: components["schemas"]["TableProfile"] | null;
            rows: unknown[][];
        };
        /** @description What a CSV, TSV or Parquet file holds: columns with their types and empty cells, and rows. */
        TableProfile: {
            columns: {
                name: string;
                nulls: number;
                /** @enum {string} */
                type: "integer" | "float" | "boolean" | "string" | "date" | "timestamp" | "binary" | "other";
            }[];
            /** @enum {string} */
            format: "csv" | "tsv" | "parquet";
            rows: number;
        };
        Team: {
            createdAt: string;
            description: string;
            id: string;
            members: number;
            name: string;
        };
        TeamMember: {
            displayName: string | null;
            /** @enum {string} */
            role: "admin" | "member" | "viewer";
            since: string;
            /** @enum {string} */
            source: "keeper" | "sso";
            user: string;
        };
        /** @description What a team's Keepers set for its workspaces. */
        TeamWorkspaceSettings: {
            /** @description How long a workspace of the team may go unused before it is stopped (default 2h). */
            idleStop: string | number;
            /** @description The longest any workspace of the team runs; null: no limit. */
            maxLifetime?: (string | number) | null;
        };
        TeamWorkspaceSettingsView: {
            idleStop: string;
            isDefault: boolean;
            maxLifetime: string | null;
            team: string;
        };
        TokenInfo: {
            createdAt: string;
            expiresAt: string | null;
            id: string;
            lastUsedAt: string | null;
            name: string;
            prefix: string;
            revokedAt: string | null;
            /** @description null: everything its owner may do. */
            scopes: string[] | null;
        };
        /** @description A resumable upload of one file, sent in parts in any order. */
        UploadSession: {
            expiresAt: string;
            id: string;
            partCount: number;
            /** @description Parts already received: send only the others. */
            parts: {
                number: number;
                size: number;
            }[];
            /** @description Every part but the last has this many bytes. */
            partSize: number;
            sha256: string;
            size: number;
        };
        User: {
            createdAt: string;
            displayName: string | null;
            email?: string | null;
            id: string;
            name: string;
            removedAt: string | null;
            /**
             * @description Platform role: admin is a Keeper.
             * @enum {string}
             */
            role: "admin" | "member";
            teams: components["schemas"]["Membership"][];
            /** @description The Unix account the person's jobs run as (Keepers see it). */
            unixUser?: string | null;
        };
        Workspace: {
            /** @enum {string} */
            app: "jupyterlab" | "vscode" | "ssh";
            createdAt: string;
            datasets: string[];
            environment: string | null;
            environmentSpec: (components["schemas"]["NamedEnvironmentRef"] | components["schemas"]["EnvironmentSpec"]) | null;
            gpuUtilization: (number | null)[];
            id: string;
            idleSeconds: number | null;
            idleStopAt: string | null;
            jobId: string | null;
            lastActiveAt: string | null;
            mayOpen: boolean;
            mayStop: boolean;
            message: string | null;
            name: string;
            owner: string;
            ownerId: string;
            resources: {
                cpus: number;
                gpus: number;
                memory: string;
            };
            shared: boolean;
            startedAt: string | null;
            /** @enum {string} */
            state: "requested" | "starting" | "running" | "idle_warned" | "stopping" | "stopped" | "failed";
            stopAt: string | null;
            stopReason: ("owner" | "idle" | "schedule" | "lifetime" | "keeper" | "ended" | "failed") | null;
            team: string;
            url: string | null;
        };
        WorkspaceEvent: {
            at: string;
            detail: string;
            from: string | null;
            to: string;
        };
        /** @description A workspace: an app on the team's machines with CPUs, memory and GPUs reserved, your home folder and datasets. */
        WorkspaceSpec: {
            /**
             * @description What it serves: `jupyterlab` in the browser, `vscode` (VS Code in the browser, where the server has it), or `ssh` only (your own VS Code through Remote-SSH, a terminal).
             * @default jupyterlab
             * @enum {string}
             */
            app: "jupyterlab" | "vscode" | "ssh";
            /**
             * @description Datasets mounted read-only, by name; each shows in ~/datasets/NAME and in PLINTH_INPUT_<NAME>.
             * @default []
             */
            datasets: string[];
            /** @description Its Python environment: a named environment of its team (`pytorch`), or a Python and packages. JupyterLab is added to a package list that lacks it; a named environment must have it. */
            environment?: components["schemas"]["NamedEnvironmentRef"] | components["schemas"]["EnvironmentSpec"];
            /** @description Stop it after this long without use, when shorter than its team's idle stop (2h unless its Keepers set another). */
            idleStop?: string | number;
            /** @description Stop it this long after it starts, whether used or not. */
            lifetime?: string | number;
            /** @description What you call it, unique among your workspaces: `plinth ssh NAME` and the portal use it. Left out: the app's name. */
            name?: string;
            /**
             * @description CPUs (default 2), memory (default 8G) and GPUs (default 0) reserved for it while it runs, through the same queue and limits as jobs.
             * @default {
             *       "cpus": 2,
             *       "memory": "8G",
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
             * @description Whether members of its team may open it too (`false`: you alone). Anything its app shows runs in their browser as them; share only with people you trust.
             * @default false
             */
            shared: boolean;
            /**
             * Format: date-time
             * @description Stop it at this time (ISO 8601, e.g. 2026-12-01T18:00:00Z).
             */
            stopAt?: string;
            /** @description The team it belongs to and whose limits it counts against. Left out: your primary team. */
            team?: string;
        };
        WorkspaceSsh: {
            available: boolean;
            /** @description The workspace's SSH host key, once it has started once. */
            hostKey: string | null;
            id: string;
            login: string;
            name: string;
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
    getAccessKeys: {
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
                        items: components["schemas"]["AccessKeyInfo"][];
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
    postAccessKeys: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    /**
                     * @description What the key is for, to tell keys apart.
                     * @default access key
                     */
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
                    "application/json": components["schemas"]["NewAccessKey"];
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
    deleteAccessKeysById: {
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
                    "application/json": components["schemas"]["AccessKeyInfo"];
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
    getAudit: {
        parameters: {
            query?: {
                /** @description An action (`job.cancel`), or every action of a kind (`job` or `job.`). */
                action?: string;
                /** @description The name of who made the change; `me` for yourself, `system` for the platform. */
                actor?: string;
                /** @description `nextCursor` from the previous page. */
                cursor?: string;
                limit?: number;
                /** @description Events at or after: an ISO 8601 date or time (2026-11-27, 2026-11-27T14:00:00Z), or a duration ago (30m, 12h, 7d). */
                since?: string;
                /** @description The changed object's id or name (a job id, a token id, a user name…). */
                target?: string;
                /** @description Events before: an ISO 8601 date or time (2026-11-27, 2026-11-27T14:00:00Z), or a duration ago (30m, 12h, 7d). */
                until?: string;
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
                    "application/json": components["schemas"]["AuditPage"];
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
    getAuditExport: {
        parameters: {
            query?: {
                /** @description An action (`job.cancel`), or every action of a kind (`job` or `job.`). */
                action?: string;
                /** @description The name of who made the change; `me` for yourself, `system` for the platform. */
                actor?: string;
                /** @description Events at or after: an ISO 8601 date or time (2026-11-27, 2026-11-27T14:00:00Z), or a duration ago (30m, 12h, 7d). */
                since?: string;
                /** @description The changed object's id or name (a job id, a token id, a user name…). */
                target?: string;
                /** @description Events before: an ISO 8601 date or time (2026-11-27, 2026-11-27T14:00:00Z), or a duration ago (30m, 12h, 7d). */
                until?: string;
            };
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
                    "application/x-ndjson": string;
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
    getAuthMethods: {
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
                    "application/json": components["schemas"]["SignInMethods"];
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
    getAuthOidcCallback: {
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
                    "application/octet-stream": string;
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
    getAuthOidcLogin: {
        parameters: {
            query?: {
                /** @description A path here to land on afterwards, e.g. /jobs. */
                returnTo?: string;
            };
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
                    "application/octet-stream": string;
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
    putDataBlobsBySha256: {
        parameters: {
            query?: {
                /** @description The team whose byte quota it counts against; default: your primary team. */
                team?: string;
            };
            header?: never;
            path: {
                sha256: string;
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
                    "application/json": components["schemas"]["BlobStored"];
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
    postDataBlobsMissing: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    sha256: string[];
                };
            };
        };
        responses: {
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        missing: string[];
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
    postDataGc: {
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
                    "application/json": components["schemas"]["DataGcResult"];
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
    getDataSigned: {
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
                    "application/octet-stream": string;
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
    postDataUploads: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["StartUpload"];
            };
        };
        responses: {
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["UploadSession"];
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
    getDataUploadsById: {
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
                    "application/json": components["schemas"]["UploadSession"];
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
    deleteDataUploadsById: {
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
                        removed: true;
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
    postDataUploadsByIdComplete: {
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
                    "application/json": components["schemas"]["BlobStored"];
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
    putDataUploadsByIdPartsByN: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
                n: number;
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
                        number: number;
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
    getDatasets: {
        parameters: {
            query?: {
                /** @description `next` from the previous page. */
                cursor?: string;
                limit?: number;
                /** @description Words in the name or description. */
                q?: string;
                /** @description Only this team's datasets. */
                team?: string;
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
                        items: components["schemas"]["Dataset"][];
                        /** @description Pass as `cursor` for the next page; null on the last. */
                        next: string | null;
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
    getDatasetsByName: {
        parameters: {
            query?: {
                /** @description The dataset's team; left out: the one of that name in your teams (your primary team first). */
                team?: string;
            };
            header?: never;
            path: {
                /** @description The dataset's name, unique in its team. */
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
                    "application/json": components["schemas"]["DatasetDetail"];
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
    deleteDatasetsByName: {
        parameters: {
            query?: {
                /** @description The dataset's team; left out: the one of that name in your teams (your primary team first). */
                team?: string;
            };
            header?: never;
            path: {
                /** @description The dataset's name, unique in its team. */
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
                        removed: true;
                        versions: number;
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
    patchDatasetsByName: {
        parameters: {
            query?: {
                /** @description The dataset's team; left out: the one of that name in your teams (your primary team first). */
                team?: string;
            };
            header?: never;
            path: {
                /** @description The dataset's name, unique in its team. */
                name: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["PatchDataset"];
            };
        };
        responses: {
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["DatasetDetail"];
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
    putDatasetsByNameAliasesByAlias: {
        parameters: {
            query?: {
                /** @description The dataset's team; left out: the one of that name in your teams (your primary team first). */
                team?: string;
            };
            header?: never;
            path: {
                alias: string;
                /** @description The dataset's name, unique in its team. */
                name: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["SetAlias"];
            };
        };
        responses: {
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        alias: string;
                        version: number;
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
    deleteDatasetsByNameAliasesByAlias: {
        parameters: {
            query?: {
                /** @description The dataset's team; left out: the one of that name in your teams (your primary team first). */
                team?: string;
            };
            header?: never;
            path: {
                alias: string;
                /** @description The dataset's name, unique in its team. */
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
                        removed: true;
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
    getDatasetsByNameDiff: {
        parameters: {
            query: {
                /** @description The older version: `v1`, an alias or `sha256:<hex>`. */
                from: string;
                /** @description The dataset's team; left out: the one of that name in your teams (your primary team first). */
                team?: string;
                /** @description The newer version (default: latest). */
                to?: string;
            };
            header?: never;
            path: {
                /** @description The dataset's name, unique in its team. */
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
                    "application/json": components["schemas"]["DatasetDiff"];
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
    getDatasetsByNameVersions: {
        parameters: {
            query?: {
                /** @description The dataset's team; left out: the one of that name in your teams (your primary team first). */
                team?: string;
            };
            header?: never;
            path: {
                /** @description The dataset's name, unique in its team. */
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
                    "application/json": components["schemas"]["DatasetVersion"][];
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
    postDatasetsByNameVersions: {
        parameters: {
            query?: {
                /** @description The dataset's team; left out: the one of that name in your teams (your primary team first). */
                team?: string;
            };
            header?: never;
            path: {
                /** @description The dataset's name, unique in its team. */
                name: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["PushVersion"];
            };
        };
        responses: {
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["PushResult"];
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
    getDatasetsByNameVersionsByVersion: {
        parameters: {
            query?: {
                /** @description The dataset's team; left out: the one of that name in your teams (your primary team first). */
                team?: string;
            };
            header?: never;
            path: {
                /** @description The dataset's name, unique in its team. */
                name: string;
                /** @description `v3`, `3`, an alias (`latest`, `prod`) or `sha256:<hex>`. */
                version: string;
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
                    "application/json": components["schemas"]["DatasetVersionDetail"];
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
    deleteDatasetsByNameVersionsByVersion: {
        parameters: {
            query?: {
                /** @description The dataset's team; left out: the one of that name in your teams (your primary team first). */
                team?: string;
            };
            header?: never;
            path: {
                /** @description The dataset's name, unique in its team. */
                name: string;
                /** @description `v3`, `3`, an alias (`latest`, `prod`) or `sha256:<hex>`. */
                version: string;
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
                        removed: true;
                        version: number;
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
    getDatasetsByNameVersionsByVersionFilesByPath: {
        parameters: {
            query?: {
                /** @description The dataset's team; left out: the one of that name in your teams (your primary team first). */
                team?: string;
            };
            header?: never;
            path: {
                /** @description The dataset's name, unique in its team. */
                name: string;
                /** @description The file's path inside the dataset, with / between folders. */
                path: string;
                /** @description `v3`, `3`, an alias (`latest`, `prod`) or `sha256:<hex>`. */
                version: string;
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
                    "application/octet-stream": string;
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
    getDatasetsByNameVersionsByVersionPreview: {
        parameters: {
            query: {
                limit?: number;
                /** @description The file's path inside the dataset, with / between folders. */
                path: string;
                /** @description The dataset's team; left out: the one of that name in your teams (your primary team first). */
                team?: string;
            };
            header?: never;
            path: {
                /** @description The dataset's name, unique in its team. */
                name: string;
                /** @description `v3`, `3`, an alias (`latest`, `prod`) or `sha256:<hex>`. */
                version: string;
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
                    "application/json": components["schemas"]["TablePreview"];
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
    postDatasetsByNameVersionsByVersionUrl: {
        parameters: {
            query?: {
                /** @description The dataset's team; left out: the one of that name in your teams (your primary team first). */
                team?: string;
            };
            header?: never;
            path: {
                /** @description The dataset's name, unique in its team. */
                name: string;
                /** @description `v3`, `3`, an alias (`latest`, `prod`) or `sha256:<hex>`. */
                version: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["PresignRequest"];
            };
        };
        responses: {
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["PresignedUrl"];
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
    getEnvironments: {
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
                        items: components["schemas"]["Environment"][];
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
    postEnvironments: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["BuildEnvironment"];
            };
        };
        responses: {
            /** @description OK */
            202: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["EnvironmentBuildStarted"];
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
    getEnvironmentsByKey: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description The environment's key. */
                key: string;
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
                    "application/json": components["schemas"]["Environment"];
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
    deleteEnvironmentsByKey: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description The environment's key. */
                key: string;
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
                        key: string;
                        /** @constant */
                        removed: true;
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
    getEnvironmentsImages: {
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
                        items: components["schemas"]["Image"][];
                        /** @description Present when the server runs no containers: why, and the remedy. */
                        unavailable?: {
                            detail: string;
                            hint: string;
                        };
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
    postEnvironmentsImages: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["BuildImage"];
            };
        };
        responses: {
            /** @description OK */
            202: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        built: boolean;
                        image: string;
                        key: string;
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
    getEnvironmentsImagesByKey: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                key: string;
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
                    "application/json": components["schemas"]["Image"];
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
    getEnvironmentsImagesByKeyLog: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                key: string;
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
    deleteEnvironmentsImagesByReference: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description The image's name or id (URL-encoded). */
                reference: string;
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
                        id: string;
                        /** @constant */
                        removed: true;
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
    getEnvironmentsNamed: {
        parameters: {
            query?: {
                /** @description The team; left out: found among your teams (your primary team first). */
                team?: string;
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
                        items: components["schemas"]["NamedEnvironment"][];
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
    getEnvironmentsNamedByName: {
        parameters: {
            query?: {
                /** @description The team; left out: found among your teams (your primary team first). */
                team?: string;
            };
            header?: never;
            path: {
                /** @description The environment's name in its team, e.g. pytorch. */
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
                    "application/json": components["schemas"]["NamedEnvironmentDetail"];
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
    postEnvironmentsNamedByName: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description The environment's name in its team, e.g. pytorch. */
                name: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["PublishEnvironment"];
            };
        };
        responses: {
            /** @description OK */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["NamedEnvironment"];
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
    deleteEnvironmentsNamedByName: {
        parameters: {
            query?: {
                /** @description The team; left out: found among your teams (your primary team first). */
                team?: string;
            };
            header?: never;
            path: {
                /** @description The environment's name in its team, e.g. pytorch. */
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
                    "application/json": components["schemas"]["NamedEnvironment"];
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
    patchEnvironmentsNamedByName: {
        parameters: {
            query?: {
                /** @description The team; left out: found among your teams (your primary team first). */
                team?: string;
            };
            header?: never;
            path: {
                /** @description The environment's name in its team, e.g. pytorch. */
                name: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["DescribeEnvironment"];
            };
        };
        responses: {
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["NamedEnvironment"];
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
    getExperiments: {
        parameters: {
            query?: {
                limit?: number;
                /** @description Part of the name. */
                q?: string;
                /** @description Live ones (default), deleted ones, or both. */
                view?: "active" | "deleted" | "all";
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
                        items: components["schemas"]["Experiment"][];
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
    getInvitations: {
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
                        items: components["schemas"]["Invitation"][];
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
    postInvitations: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    /**
                     * @description How long the link works: 7d, 48h… (1 minute to 90 days).
                     * @default 7d
                     */
                    expiresIn?: string;
                    /** @description The user name the invitee gets; left out, they choose one. */
                    name?: string;
                    /**
                     * @description Their role in that team.
                     * @default member
                     * @enum {string}
                     */
                    role?: "admin" | "member" | "viewer";
                    /** @description The team the invitee joins; `default` when left out. */
                    team?: string;
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
                    "application/json": components["schemas"]["NewInvitation"];
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
    deleteInvitationsById: {
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
    postInvitationsAccept: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    displayName?: string;
                    /** Format: email */
                    email?: string;
                    /** @description Your user name (the one the invitation fixes, if it does). */
                    name: string;
                    /** @description At least 10 characters, not your user name. */
                    password: string;
                    /** @description The last part of the invitation link, after /join/. */
                    secret: string;
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
    postInvitationsPreview: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    /** @description The last part of the invitation link, after /join/. */
                    secret: string;
                };
            };
        };
        responses: {
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["InvitationPreview"];
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
    getJobsByIdEnvironmentLog: {
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
    getJobsByIdLineage: {
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
                    "application/json": components["schemas"]["JobLineage"];
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
    putMePassword: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    /** @description The password you use now; needed whenever one is set. */
                    current?: string;
                    /** @description The new password: at least 10 characters, not your user name. */
                    password: string;
                };
            };
        };
        responses: {
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @constant */
                        changed: true;
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
    getMeSessions: {
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
                        items: {
                            createdAt: string;
                            current: boolean;
                            expiresAt: string;
                            id: string;
                            lastSeenAt: string;
                            method: string;
                            userAgent: string | null;
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
    deleteMeSessionsById: {
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
    getQuotas: {
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
                        items: components["schemas"]["Quota"][];
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
    getQuotasByKindByName: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description `team` or `user`. */
                kind: "user" | "team";
                /** @description The team's or the user's name. */
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
                    "application/json": components["schemas"]["Quota"];
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
    putQuotasByKindByName: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description `team` or `user`. */
                kind: "user" | "team";
                /** @description The team's or the user's name. */
                name: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["SetQuota"];
            };
        };
        responses: {
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Quota"];
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
    deleteQuotasByKindByName: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description `team` or `user`. */
                kind: "user" | "team";
                /** @description The team's or the user's name. */
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
                        removed: true;
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
    getRuns: {
        parameters: {
            query?: {
                /** @description `next` from the previous page. */
                cursor?: string;
                /** @description An experiment's id or name. */
                experiment?: string;
                filter?: string;
                limit?: number;
                /** @description `-metrics.acc`, `start_time`, `params.lr,-metrics.loss`… */
                sort?: string;
                /** @description Live ones (default), deleted ones, or both. */
                view?: "active" | "deleted" | "all";
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
                        items: components["schemas"]["RunSummary"][];
                        /** @description Pass as `cursor` for the next page; null on the last. */
                        next: string | null;
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
    getRunsById: {
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
                    "application/json": components["schemas"]["RunDetail"];
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
    getRunsByIdMetrics: {
        parameters: {
            query: {
                /** @description Metric keys, comma-separated. */
                keys: string;
            };
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
                    "application/json": components["schemas"]["MetricHistory"];
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
    getSecrets: {
        parameters: {
            query?: {
                /** @description A team's secrets instead of your own. */
                team?: string;
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
                        items: components["schemas"]["SecretInfo"][];
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
    putSecretsByName: {
        parameters: {
            query?: {
                /** @description A team's secrets instead of your own. */
                team?: string;
            };
            header?: never;
            path: {
                /** @description The secret's name, which is also the environment variable the job gets it in (e.g. WANDB_API_KEY). */
                name: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    /** @description The secret's value. It is stored encrypted and never shown again. */
                    value: string;
                };
            };
        };
        responses: {
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["SecretInfo"];
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
    deleteSecretsByName: {
        parameters: {
            query?: {
                /** @description A team's secrets instead of your own. */
                team?: string;
            };
            header?: never;
            path: {
                /** @description The secret's name, which is also the environment variable the job gets it in (e.g. WANDB_API_KEY). */
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
                    "application/json": components["schemas"]["SecretInfo"];
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
    postSecretsRotateKey: {
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
                    "application/json": components["schemas"]["RotateKeyResult"];
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
    postSessionsPassword: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    /** @description Your user name. */
                    name: string;
                    password: string;
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
    getSshKeys: {
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
                        items: components["schemas"]["SshKey"][];
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
    postSshKeys: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    /** @description What you call the key, e.g. `laptop`; the key's own comment when left out. */
                    name?: string;
                    /** @description One line of a .pub file: `TYPE BASE64 [COMMENT]`. */
                    publicKey: string;
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
                    "application/json": components["schemas"]["SshKey"];
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
    deleteSshKeysById: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description The key's ID, as `plinth ssh-keys ls` shows it. */
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
                    "application/json": components["schemas"]["SshKey"];
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
    getSshKeysAuthorizedKeys: {
        parameters: {
            query?: {
                /** @description Only the keys of this team's members. */
                team?: string;
                /** @description Only this person's keys. */
                user?: string;
            };
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
    getTeams: {
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
                        items: components["schemas"]["Team"][];
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
    postTeams: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    /** @default  */
                    description?: string;
                    name: string;
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
                    "application/json": components["schemas"]["Team"];
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
    getTeamsByTeamMembers: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description The team's name, as `plinth teams ls` shows it. */
                team: string;
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
                        items: components["schemas"]["TeamMember"][];
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
    putTeamsByTeamMembersByName: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description The user's name, as `plinth users ls` shows it. */
                name: string;
                /** @description The team's name, as `plinth teams ls` shows it. */
                team: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    /**
                     * @default member
                     * @enum {string}
                     */
                    role?: "admin" | "member" | "viewer";
                };
            };
        };
        responses: {
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @constant */
                        ok: true;
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
    deleteTeamsByTeamMembersByName: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description The user's name, as `plinth users ls` shows it. */
                name: string;
                /** @description The team's name, as `plinth teams ls` shows it. */
                team: string;
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
                        ok: true;
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
    getTeamsByTeamWorkspaceSettings: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                team: string;
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
                    "application/json": components["schemas"]["TeamWorkspaceSettingsView"];
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
    putTeamsByTeamWorkspaceSettings: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                team: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["TeamWorkspaceSettings"];
            };
        };
        responses: {
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["TeamWorkspaceSettingsView"];
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
                    /** @description Leave out for a token that may do everything you may. */
                    scopes?: ("read" | "jobs" | "data" | "tracking" | "admin")[];
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
            query?: {
                /** @description Include people who were removed. */
                removed?: boolean | ("0" | "1" | "true" | "false");
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
                    displayName?: string;
                    /** Format: email */
                    email?: string;
                    name: string;
                    /**
                     * @default member
                     * @enum {string}
                     */
                    role?: "admin" | "member";
                    /** @description OpenSSH public key lines (`ssh-ed25519 AAAA… comment`); all are checked before the person is added. */
                    sshKeys?: string[];
                    /** @description The team to join; `default` when left out. */
                    team?: string;
                    /**
                     * @default member
                     * @enum {string}
                     */
                    teamRole?: "admin" | "member" | "viewer";
                    unixUser?: string;
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
    getUsersByName: {
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
                    "application/json": components["schemas"]["User"];
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
    deleteUsersByName: {
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
                    "application/json": components["schemas"]["RemovedUser"];
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
    patchUsersByName: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description The user's name, as `plinth users ls` shows it. */
                name: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    displayName?: string | null;
                    email?: string | null;
                    /** @description The team a job goes to when its spec names none; one of the person's teams. */
                    primaryTeam?: string;
                    /**
                     * @description Keepers only.
                     * @enum {string}
                     */
                    role?: "admin" | "member";
                    /** @description Keepers only; null: jobs run as the default unprivileged user. */
                    unixUser?: string | null;
                };
            };
        };
        responses: {
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["User"];
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
    putUsersByNamePassword: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description The user's name, as `plinth users ls` shows it. */
                name: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    /** @description The new password: at least 10 characters, not the user name. */
                    password: string;
                };
            };
        };
        responses: {
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        sessionsEnded: number;
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
    getUsersByNameSshKeys: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description The person's name, as `plinth users ls` shows it. */
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
                        items: components["schemas"]["SshKey"][];
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
    postUsersByNameSshKeys: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description The person's name, as `plinth users ls` shows it. */
                name: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    /** @description What you call the key, e.g. `laptop`; the key's own comment when left out. */
                    name?: string;
                    /** @description One line of a .pub file: `TYPE BASE64 [COMMENT]`. */
                    publicKey: string;
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
                    "application/json": components["schemas"]["SshKey"];
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
    getWorkspaces: {
        parameters: {
            query?: {
                /** @description Every workspace you may see (a Keeper: all), not only yours. */
                all?: boolean | ("0" | "1" | "true" | "false");
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
                        items: components["schemas"]["Workspace"][];
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
    postWorkspaces: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["WorkspaceSpec"];
            };
        };
        responses: {
            /** @description OK */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Workspace"];
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
    getWorkspacesByRef: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description The workspace's id, or the name of one of yours. */
                ref: string;
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
                    "application/json": components["schemas"]["Workspace"];
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
    deleteWorkspacesByRef: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description The workspace's id, or the name of one of yours. */
                ref: string;
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
                    "application/json": components["schemas"]["Workspace"];
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
    getWorkspacesByRefEvents: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description The workspace's id, or the name of one of yours. */
                ref: string;
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
                        items: components["schemas"]["WorkspaceEvent"][];
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
    getWorkspacesByRefSsh: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description The workspace's id, or the name of one of yours. */
                ref: string;
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
                    "application/json": components["schemas"]["WorkspaceSsh"];
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
    postWorkspacesByRefStart: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description The workspace's id, or the name of one of yours. */
                ref: string;
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
                    "application/json": components["schemas"]["Workspace"];
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
    postWorkspacesByRefStop: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description The workspace's id, or the name of one of yours. */
                ref: string;
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
                    "application/json": components["schemas"]["Workspace"];
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
