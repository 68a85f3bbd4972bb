// A button that prints the page (the print stylesheet leaves only the slips).
document.querySelectorAll("[data-print]").forEach((button) => {
  button.addEventListener("click", () => window.print());
});
