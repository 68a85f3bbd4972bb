// A "Tulosta" button for printable slips: hidden without scripts, prints the page when tapped.
document.querySelectorAll("[data-print]").forEach((button) => {
  button.hidden = false;
  button.addEventListener("click", () => window.print());
});
