// Applies the saved light/dark choice before the page paints, so a dark page never flashes white.
(function () {
  try {
    var v = localStorage.getItem("mantine-color-scheme-value") || "auto";
    if (v === "auto") v = window.matchMedia("(prefers-color-scheme: dark)").matches ? "dark" : "light";
    document.documentElement.setAttribute("data-mantine-color-scheme", v);
  } catch (e) {}
})();
