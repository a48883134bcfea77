import { ActionIcon, AppShell, Burger, Group, Menu, NavLink, Text, Tooltip, UnstyledButton, useComputedColorScheme, useMantineColorScheme } from "@mantine/core";
import { useDisclosure } from "@mantine/hooks";
import { IconBook, IconBrandPython, IconChartLine, IconChevronDown, IconDatabase, IconGauge, IconHistory, IconKey, IconListDetails, IconLock, IconLogout, IconMoon, IconNotebook, IconPlayerPlay, IconRocket, IconServer, IconSun, IconUserCircle, IconUsers, IconUsersGroup } from "@tabler/icons-react";
import { useQueryClient } from "@tanstack/react-query";
import type { ReactNode } from "react";
import { Link, useLocation } from "react-router";
import { api, call } from "../api/client";
import { useLiveEvents } from "../api/events";
import type { Me } from "../api/types";
import { useMe } from "./me";

const NAV = [
  { to: "/", label: "Start here", icon: IconRocket, exact: true },
  { to: "/jobs", label: "Jobs", icon: IconListDetails, exact: false },
  { to: "/jobs/new", label: "New job", icon: IconPlayerPlay, exact: true },
  { to: "/workspaces", label: "Workspaces", icon: IconNotebook, exact: true },
  { to: "/runs", label: "Runs", icon: IconChartLine, exact: false },
  { to: "/data", label: "Data", icon: IconDatabase, exact: false },
  { to: "/cluster", label: "Cluster", icon: IconServer, exact: true },
  { to: "/environments", label: "Environments", icon: IconBrandPython, exact: true },
  { to: "/guides", label: "Guides", icon: IconBook, exact: false },
  { to: "/people", label: "People", icon: IconUsers, exact: true },
  { to: "/teams", label: "Teams", icon: IconUsersGroup, exact: false },
  { to: "/tokens", label: "Tokens", icon: IconKey, exact: true },
  { to: "/secrets", label: "Secrets", icon: IconLock, exact: true },
  { to: "/quotas", label: "Quotas", icon: IconGauge, exact: true },
  { to: "/profile", label: "Profile", icon: IconUserCircle, exact: true },
  // Right after sign-in `me` comes from the sign-in answer, which carries no teams yet.
  { to: "/audit", label: "Audit log", icon: IconHistory, exact: true, show: (me: Me) => me.role === "admin" || (me.teams ?? []).some((t) => t.role === "admin") },
];

function isActive(pathname: string, to: string, exact: boolean): boolean {
  if (exact) return pathname === to;
  // /jobs is active on job pages but not on /jobs/new, which has its own entry.
  return (pathname === to || pathname.startsWith(`${to}/`)) && !(to === "/jobs" && pathname === "/jobs/new");
}

export function Shell({ children }: { children: ReactNode }) {
  const [opened, { toggle, close }] = useDisclosure();
  const { pathname } = useLocation();
  const me = useMe();
  useLiveEvents();
  return (
    <AppShell header={{ height: 56 }} navbar={{ width: 220, breakpoint: "sm", collapsed: { mobile: !opened } }} padding="md">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <AppShell.Header>
        <Group h="100%" px="md" justify="space-between" wrap="nowrap">
          <Group gap="sm" wrap="nowrap">
            <Burger opened={opened} onClick={toggle} hiddenFrom="sm" size="sm" aria-label={opened ? "Close navigation" : "Open navigation"} />
            <UnstyledButton component={Link} to="/" onClick={close} aria-label="Plinth home">
              <Group gap={8} wrap="nowrap">
                <img src="/favicon.svg" alt="" width={26} height={26} />
                <Text fw={700} size="lg">
                  Plinth
                </Text>
              </Group>
            </UnstyledButton>
          </Group>
          <Group gap="xs" wrap="nowrap">
            <ThemeToggle />
            <UserMenu />
          </Group>
        </Group>
      </AppShell.Header>
      <AppShell.Navbar p="xs" aria-label="Main">
        <nav aria-label="Main navigation">
          {NAV.filter((item) => !item.show || item.show(me)).map((item) => (
            <NavLink
              key={item.to}
              component={Link}
              to={item.to}
              label={item.label}
              leftSection={<item.icon size={18} stroke={1.6} aria-hidden />}
              active={isActive(pathname, item.to, item.exact)}
              aria-current={isActive(pathname, item.to, item.exact) ? "page" : undefined}
              onClick={close}
            />
          ))}
        </nav>
      </AppShell.Navbar>
      <AppShell.Main id="main" tabIndex={-1}>
        {children}
      </AppShell.Main>
    </AppShell>
  );
}

function ThemeToggle() {
  const { setColorScheme } = useMantineColorScheme();
  const scheme = useComputedColorScheme("light", { getInitialValueInEffect: false });
  const next = scheme === "dark" ? "light" : "dark";
  return (
    <Tooltip label={`Switch to ${next} theme`}>
      <ActionIcon variant="default" size="lg" onClick={() => setColorScheme(next)} aria-label={`Switch to ${next} theme`} data-testid="theme-toggle">
        {scheme === "dark" ? <IconSun size={18} aria-hidden /> : <IconMoon size={18} aria-hidden />}
      </ActionIcon>
    </Tooltip>
  );
}

function UserMenu() {
  const me = useMe();
  const queryClient = useQueryClient();
  const signOut = async () => {
    try {
      await call(api.DELETE("/api/v1/sessions/current"));
    } finally {
      queryClient.clear();
      window.location.assign("/");
    }
  };
  return (
    <Menu position="bottom-end" withinPortal>
      <Menu.Target>
        <UnstyledButton aria-label={`Signed in as ${me.name}. Account menu`}>
          <Group gap={4} wrap="nowrap">
            <Text size="sm" fw={500}>
              {me.name}
            </Text>
            <IconChevronDown size={14} aria-hidden />
          </Group>
        </UnstyledButton>
      </Menu.Target>
      <Menu.Dropdown>
        <Menu.Label>{me.role === "admin" ? "Admin" : "Member"}</Menu.Label>
        <Menu.Item component={Link} to="/profile" leftSection={<IconUserCircle size={16} aria-hidden />}>
          Profile and SSH keys
        </Menu.Item>
        <Menu.Item component={Link} to="/tokens" leftSection={<IconKey size={16} aria-hidden />}>
          API tokens
        </Menu.Item>
        <Menu.Item onClick={() => void signOut()} leftSection={<IconLogout size={16} aria-hidden />}>
          Sign out
        </Menu.Item>
      </Menu.Dropdown>
    </Menu>
  );
}
