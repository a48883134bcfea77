import { Center } from "@mantine/core";
import { Component, type ReactNode } from "react";
import { ProblemAlert } from "./ProblemAlert";

/** A bug in a page shows as a problem with a way out, not as a blank screen. */
export class ErrorBoundary extends Component<{ children: ReactNode }, { error: unknown }> {
  state = { error: null as unknown };

  static getDerivedStateFromError(error: unknown) {
    return { error };
  }

  render() {
    if (this.state.error === null) return this.props.children;
    return (
      <Center mih="100vh" p="md" component="main">
        <ProblemAlert
          problem={{
            type: "about:blank",
            title: "Something went wrong in the portal",
            status: 0,
            detail: this.state.error instanceof Error ? this.state.error.message : String(this.state.error),
            hint: "Reload the page. If it happens again, tell your platform's keepers what you were doing.",
          }}
          onRetry={() => window.location.reload()}
        />
      </Center>
    );
  }
}
