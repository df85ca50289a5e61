// GAS pages: direct upload to S3, live refresh of jobs, the results explorer. No inline script (CSP).
(function () {
  "use strict";
  const csrf = () => document.querySelector('meta[name="csrf-token"]').content;

  // --- annotate: ask GAS for a presigned POST, send the file straight to S3, then submit the ticket ---
  const form = document.getElementById("upload-form");
  if (form) {
    const error = document.getElementById("upload-error");
    const bar = document.getElementById("upload-progress");
    const button = document.getElementById("upload-button");
    const fail = (message) => {
      error.textContent = message; error.classList.remove("d-none");
      bar.classList.add("d-none"); button.disabled = false;
    };
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      error.classList.add("d-none");
      const file = document.getElementById("file").files[0];
      if (!file) { fail("Choose a .vcf or .vcf.gz file first."); return; }
      const lower = file.name.toLowerCase();
      if (!(lower.endsWith(".vcf") || lower.endsWith(".vcf.gz"))) { fail("Only .vcf and .vcf.gz files can be annotated."); return; }
      const limit = Number(form.dataset.limit);
      if (file.size > limit) { fail(`This file is ${Math.ceil(file.size / 1024)} KB; your plan accepts up to ${Math.floor(limit / 1024)} KB. Upgrade to Premium for larger files.`); return; }
      button.disabled = true;
      let upload;
      try {
        const answer = await fetch(form.dataset.uploads, {
          method: "POST", credentials: "same-origin",
          headers: { "Content-Type": "application/json", "X-CSRFToken": csrf() },
          body: JSON.stringify({ filename: file.name, reference_id: document.getElementById("reference_id").value,
                                 hgvs: document.getElementById("hgvs").checked,
                                 haplotypes: document.getElementById("haplotypes").checked }),
        });
        upload = await answer.json();
        if (!answer.ok) { fail(upload.error || "GAS refused the upload."); return; }
      } catch (e) { fail("GAS could not be reached. Check your connection and try again."); return; }
      const data = new FormData();
      Object.entries(upload.fields).forEach(([k, v]) => data.append(k, v));
      data.append("file", file);  // S3 wants the file last
      bar.classList.remove("d-none");
      const xhr = new XMLHttpRequest();
      xhr.open("POST", upload.url);
      xhr.upload.addEventListener("progress", (e) => {
        if (e.lengthComputable) bar.firstElementChild.style.width = `${Math.round(100 * e.loaded / e.total)}%`;
      });
      xhr.addEventListener("load", () => {
        if (xhr.status >= 200 && xhr.status < 300) {
          document.getElementById("ticket").value = upload.ticket;
          document.getElementById("ticket-form").submit();
        } else { fail(`The upload was refused (HTTP ${xhr.status}). Is the file within your plan's limit?`); }
      });
      xhr.addEventListener("error", () => fail("The upload failed. Check your connection and try again."));
      xhr.send(data);
    });
  }

  // --- live regions: re-fetch a fragment while it says data-live="true" ---
  // On the job page only the status is refreshed; the results part is fetched again when the status or the
  // storage changes, and the explorer is loaded once (a status update never touches what the user typed).
  const fetchText = async (url) => {
    const answer = await fetch(url, { credentials: "same-origin", headers: { "X-Requested-With": "fetch" } });
    return answer.ok && !answer.redirected ? answer.text() : null;
  };
  document.querySelectorAll("[data-refresh]").forEach((region) => {
    if (region.id === "job-files") return;  // follows the panel, below
    const every = region.id === "job-panel" ? 2000 : 5000;
    const stateKey = () => { const s = region.querySelector("[data-key]"); return s ? s.dataset.key : ""; };
    const tick = async () => {
      const live = region.querySelector('[data-live="true"]');
      if (!live) return;
      const before = stateKey();
      try {
        const text = await fetchText(region.dataset.refresh);
        if (text !== null) {
          region.innerHTML = text;
          localTimes(region);
          if (region.id === "job-panel" && stateKey() !== before) await statusChanged();
        }
      } catch (e) { /* offline for a moment: try again next tick */ }
      setTimeout(tick, every);
    };
    setTimeout(tick, every);
  });

  // "Your job is submitted" was true when the job was sent; above a failure it only confuses (also when the
  // job failed before this page first loaded).
  function dropSubmittedNote() {
    if (document.querySelector('#job-state[data-status="FAILED"]')) {
      document.querySelectorAll("main > .alert-success").forEach((note) => note.remove());
    }
  }
  dropSubmittedNote();

  async function statusChanged() {
    dropSubmittedNote();
    const files = document.getElementById("job-files");
    if (files) { const text = await fetchText(files.dataset.refresh); if (text !== null) files.innerHTML = text; }
    const holder = document.getElementById("job-explorer");
    const completed = document.querySelector('#job-state[data-status="COMPLETED"]');
    if (holder && completed && !holder.querySelector("#explorer")) {  // only a completed job has variants
      const text = await fetchText(holder.dataset.load + window.location.search);
      if (text !== null) holder.innerHTML = text;
    }
  }

  // --- the explorer: its form and links fetch the explorer fragment in place (and work without script) ---
  async function explore(query) {
    const holder = document.getElementById("job-explorer");
    const explorer = document.getElementById("explorer");
    if (!holder || !explorer) return false;
    explorer.classList.add("opacity-50");
    try {
      const text = await fetchText(explorer.dataset.fragment + (query ? `?${query}` : ""));
      if (text === null) return false;
      const page = explorer.dataset.page + (query ? `?${query}` : "");
      holder.innerHTML = text;
      window.history.replaceState(null, "", page);
      return true;
    } catch (e) { return false; } finally { explorer.classList.remove("opacity-50"); }
  }
  function formQuery(form) {
    const data = new URLSearchParams();
    new FormData(form).forEach((value, key) => { if (typeof value === "string" && value.trim()) data.append(key, value.trim()); });
    return data.toString();
  }
  document.addEventListener("submit", async (e) => {
    if (e.target.id !== "explorer-form") return;
    e.preventDefault();
    if (!(await explore(formQuery(e.target)))) e.target.submit();
  });
  document.addEventListener("change", (e) => {
    const t = e.target;
    const applies = ["sort-select", "filter-select", "known-select", "region-track", "pick-check"];
    if (t.classList && (t.classList.contains("term-chip") || t.classList.contains("impact-chip") ||
        t.classList.contains("clinical-chip") || applies.includes(t.id))) {
      explore(formQuery(t.form));
    }
    if (t.id === "gene-file" && t.files[0]) {
      t.files[0].text().then((text) => {
        const genes = text.split(/[\s,;]+/).filter(Boolean).slice(0, 2000);
        document.getElementById("gene-input").value = genes.join(", ");
      });
    }
  });
  document.addEventListener("click", async (e) => {
    const link = e.target.closest && e.target.closest("a.explore-link");
    if (!link || e.ctrlKey || e.metaKey || e.shiftKey) return;
    e.preventDefault();
    if (link.classList.contains("disabled")) return;
    const href = link.getAttribute("href");
    const url = new URL(href, window.location.href);
    if (!(await explore(url.searchParams.toString()))) window.location.href = href;
  });

  document.addEventListener("submit", (e) => {
    const f = e.target;
    if (f.classList && f.classList.contains("confirm") && !window.confirm(f.dataset.confirm)) e.preventDefault();
  });

  function localTimes(root) {
    root.querySelectorAll("time.local-time").forEach((t) => {
      const d = new Date(t.getAttribute("datetime"));
      if (!isNaN(d)) t.textContent = d.toLocaleString();
    });
  }
  localTimes(document);
})();
