// GAS pages: direct upload to S3, live refresh of jobs, the variants filter. No inline script (CSP).
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
          body: JSON.stringify({ filename: file.name, reference_id: document.getElementById("reference_id").value }),
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
  document.querySelectorAll("[data-refresh]").forEach((region) => {
    const every = region.id === "job-panel" ? 2000 : 5000;
    const tick = async () => {
      const live = region.querySelector('[data-live="true"]');
      if (!live) return;
      try {
        const answer = await fetch(region.dataset.refresh, { credentials: "same-origin", headers: { "X-Requested-With": "fetch" } });
        if (answer.ok && !answer.redirected) {
          const filter = region.querySelector(".variant-filter");
          const kept = filter ? filter.value : "";
          region.innerHTML = await answer.text();
          localTimes(region);
          const again = region.querySelector(".variant-filter");
          if (again && kept) { again.value = kept; filterRows(again); }
        }
      } catch (e) { /* offline for a moment: try again next tick */ }
      setTimeout(tick, every);
    };
    setTimeout(tick, every);
  });

  // --- the variants table filter (delegated: the panel is replaced while the job moves) ---
  function filterRows(input) {
    const table = document.getElementById("variants-table");
    if (!table) return;
    const words = input.value.toLowerCase().split(/\s+/).filter(Boolean);
    let shown = 0;
    table.tBodies[0].querySelectorAll("tr").forEach((row) => {
      const text = row.textContent.toLowerCase();
      const match = words.every((w) => text.includes(w));
      row.classList.toggle("d-none", !match);
      if (match) shown += 1;
    });
    const count = document.getElementById("filter-count");
    if (count) { count.textContent = words.length ? `${shown} variants match.` : ""; count.classList.toggle("d-none", !words.length); }
  }
  document.addEventListener("input", (e) => { if (e.target.classList.contains("variant-filter")) filterRows(e.target); });

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
