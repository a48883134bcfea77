import { queryOptions } from "@tanstack/react-query";
import { api, call } from "../../api/client";
import type { components } from "../../api/schema";

export type Image = components["schemas"]["Image"];

/** The images jobs can run in; `unavailable` says why there are none where the server runs no containers. */
export interface Images {
  items: Image[];
  unavailable?: { detail: string; hint: string };
}

/** The container images on the server; under ["environments"], so refreshing those refreshes these. */
export const imagesQuery = queryOptions({
  queryKey: ["environments", "images"],
  queryFn: async (): Promise<Images> => call(api.GET("/api/v1/environments/images")),
});

/** An image's id as people see it: its first 12 hexadecimal characters. */
export const shortId = (id: string) => id.replace(/^sha256:/, "").slice(0, 12);

/** What a job spec says to run in the image. */
export const imageSnippet = (reference: string) => `environment: {image: ${reference}}`;
