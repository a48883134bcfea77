import { Anchor, Badge, Grid, NavLink, Paper, Stack, Text, TextInput, Title } from "@mantine/core";
import { useDebouncedValue } from "@mantine/hooks";
import { IconSearch } from "@tabler/icons-react";
import { useQuery } from "@tanstack/react-query";
import { type ReactNode, useEffect, useState } from "react";
import { Link, useParams, useSearchParams } from "react-router";
import { guideQuery, guideSearchQuery, guidesQuery } from "../../api/queries";
import type { GuideSummary } from "../../api/types";
import { Loaded } from "../../components/Loaded";
import { ProblemAlert } from "../../components/ProblemAlert";
import { usePageTitle } from "../../lib/usePageTitle";
import { GuideContent } from "./GuideContent";

const SECTIONS: Array<{ id: string; title: string; blurb: string }> = [
  { id: "", title: "Overview", blurb: "Where to begin." },
  { id: "tutorials", title: "Tutorials", blurb: "Learn by doing, step by step." },
  { id: "how-to", title: "How-to guides", blurb: "Recipes for a task at hand." },
  { id: "reference", title: "Reference", blurb: "Every command, field and setting." },
  { id: "explanation", title: "Explanation", blurb: "How Plinth works, and why." },
];

/** Guides: the docs/ folder, by section, with full-text search. */
export default function Guides() {
  const id = useParams()["*"] ?? "";
  const [params, setParams] = useSearchParams();
  const [q, setQ] = useState(params.get("q") ?? "");
  const [debounced] = useDebouncedValue(q.trim(), 250);
  useEffect(() => {
    const current = params.get("q") ?? "";
    if (debounced === current) return;
    const next = new URLSearchParams(params);
    if (debounced) next.set("q", debounced);
    else next.delete("q");
    setParams(next, { replace: true });
  }, [debounced, params, setParams]);

  const list = useQuery(guidesQuery);
  const items = list.data?.items ?? [];
  const sections = [...SECTIONS, ...[...new Set(items.map((g) => g.section))].filter((s) => !SECTIONS.some((x) => x.id === s)).map((s) => ({ id: s, title: s, blurb: "" }))];

  return (
    <Grid gap="lg">
      <Grid.Col span={{ base: 12, md: 3 }}>
        <Stack gap="sm">
          <TextInput
            placeholder="Search the guides"
            aria-label="Search the guides"
            leftSection={<IconSearch size={16} aria-hidden />}
            value={q}
            onChange={(e) => setQ(e.currentTarget.value)}
            type="search"
          />
          <nav aria-label="Guides">
            {sections.map((s) => {
              const guides = items.filter((g) => g.section === s.id);
              if (guides.length === 0) return null;
              return (
                <div key={s.id}>
                  <Text size="xs" fw={700} tt="uppercase" c="dimmed" mt="sm" mb={2} px="xs">
                    {s.title}
                  </Text>
                  {guides.map((g) => (
                    <NavLink key={g.id} component={Link} to={`/guides/${g.id}`} label={g.title} active={g.id === id} aria-current={g.id === id ? "page" : undefined} />
                  ))}
                </div>
              );
            })}
          </nav>
        </Stack>
      </Grid.Col>
      <Grid.Col span={{ base: 12, md: 9 }}>
        {list.error && <ProblemAlert error={list.error} onRetry={() => void list.refetch()} />}
        {debounced ? <SearchResults q={debounced} /> : id ? <GuidePage id={id} /> : <GuidesHome items={items} sections={sections} loaded={list.isSuccess} />}
      </Grid.Col>
    </Grid>
  );
}

function GuidesHome({ items, sections, loaded }: { items: GuideSummary[]; sections: typeof SECTIONS; loaded: boolean }) {
  usePageTitle("Guides");
  return (
    <Stack>
      <Loaded when={loaded} name="guides" />
      <Title order={1}>Guides</Title>
      <Text>Everything about using Plinth, from a first job to how the scheduler decides who goes next.</Text>
      {loaded && items.length === 0 && <Text c="dimmed">No guides yet: add Markdown files under docs/.</Text>}
      {sections.map((s) => {
        const guides = items.filter((g) => g.section === s.id);
        if (guides.length === 0) return null;
        return (
          <Paper key={s.id} withBorder p="md">
            <Title order={2} size="h3">
              {s.title}
            </Title>
            {s.blurb && (
              <Text size="sm" c="dimmed" mb="xs">
                {s.blurb}
              </Text>
            )}
            <Stack gap="xs">
              {guides.map((g) => (
                <div key={g.id}>
                  <Anchor component={Link} to={`/guides/${g.id}`} fw={500}>
                    {g.title}
                  </Anchor>
                  {g.summary && <Text size="sm">{g.summary}</Text>}
                </div>
              ))}
            </Stack>
          </Paper>
        );
      })}
    </Stack>
  );
}

function GuidePage({ id }: { id: string }) {
  const guide = useQuery(guideQuery(id));
  usePageTitle(guide.data?.title ?? "Guide");
  if (guide.error) return <ProblemAlert error={guide.error} />;
  if (!guide.data) return <Text c="dimmed">Loading guide…</Text>;
  const toc = guide.data.headings.filter((h) => h.depth === 2);
  return (
    <Grid gap="lg">
      <Grid.Col span={{ base: 12, lg: toc.length > 2 ? 9 : 12 }}>
        <Loaded when name="guide" />
        <article>
          <GuideContent html={guide.data.html} guideId={guide.data.id} />
        </article>
        <Text size="xs" c="dimmed" mt="xl">
          docs/{guide.data.id}.md · updated {new Date(guide.data.updatedAt).toLocaleDateString()}
        </Text>
      </Grid.Col>
      {toc.length > 2 && (
        <Grid.Col span={{ lg: 3 }} visibleFrom="lg">
          <nav aria-label="On this page" style={{ position: "sticky", top: 72 }}>
            <Text size="xs" fw={700} tt="uppercase" c="dimmed" mb={4}>
              On this page
            </Text>
            <Stack gap={4}>
              {toc.map((h) => (
                <Anchor key={h.id} href={`#${h.id}`} size="sm">
                  {h.text}
                </Anchor>
              ))}
            </Stack>
          </nav>
        </Grid.Col>
      )}
    </Grid>
  );
}

function SearchResults({ q }: { q: string }) {
  usePageTitle(`Search: ${q}`);
  const results = useQuery(guideSearchQuery(q));
  if (results.error) return <ProblemAlert error={results.error} />;
  const items = results.data?.items;
  const terms = q.toLowerCase().split(/\s+/).filter((t) => t.length >= 2);
  return (
    <Stack gap="sm">
      <Title order={1} size="h2">
        Search results
      </Title>
      <Loaded when={!!items} name="guide-search" />
      <Text size="sm" aria-live="polite" data-testid="search-count">
        {items ? `${items.length} guide${items.length === 1 ? "" : "s"} mention “${q}”` : "Searching…"}
      </Text>
      {items?.map((g) => (
        <Paper key={g.id} withBorder p="sm" data-testid="search-result">
          <Anchor component={Link} to={`/guides/${g.id}`} fw={600}>
            {g.title}
          </Anchor>{" "}
          <Badge size="xs" variant="light" color="gray">
            {g.section}
          </Badge>
          <Text size="sm" mt={4}>
            {mark(g.snippet, terms)}
          </Text>
        </Paper>
      ))}
    </Stack>
  );
}

function mark(text: string, terms: string[]): ReactNode[] {
  if (terms.length === 0) return [text];
  const re = new RegExp(`(${terms.map((t) => t.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join("|")})`, "gi");
  // biome-ignore lint/suspicious/noArrayIndexKey: fixed pieces of one string; the position is the identity
  return text.split(re).map((part, i) => (i % 2 === 1 ? <mark key={i}>{part}</mark> : part));
}
