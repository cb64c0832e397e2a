// Package crosscheck is the department cross-check (部门筛查预警 / 数据比对,
// 003 §四(一)5): each county department uploads its roster (名单) — students,
// insured persons, discharged patients' expenses, dibao and tekun, disability
// certificates and subsidies, house appraisals and renovation, water supply,
// employment — and the roster is matched by ID number against the registry.
// Rules over what the roster says push alerts (预警) to the village of the
// household, under the "135" rule's one day for the on-site check
// (policy.Verify1, 004 §四(一)1); the village cadre verifies and confirms the
// alert (it becomes a problem in the ledger and/or a monitoring candidate)
// or dismisses it with a reason and proof, and the department sees the
// feedback.
//
// The package does no I/O. Its parts, in the order an upload goes through
// them:
//
//   - Kind: one roster type per department, its columns (Chinese headers
//     with the names officials also use), its template and its row parser
//     (Kind.Parse), which validates every cell and normalises the ID number
//     (15 → 18 digits, case, spaces) into an IDKey;
//   - Registry: the registry's members and households of one county with a
//     hash index of their ID numbers (Registry.Lookup);
//   - Match: folds the parsed rows into one State per person (or household,
//     or village) and counts matched, unknown and invalid rows;
//   - Rules: each alert rule with its policy source and the screening rule
//     it agrees with; Evaluate turns the states into alert candidates;
//   - Reconcile: compares the candidates with the alerts already pushed, so
//     that uploading the same roster again pushes nothing twice and a newer
//     roster that shows a condition gone resolves its alert;
//   - Alert: the state machine pushed → confirmed / dismissed → resolved,
//     with the verification stage clock of package deadline;
//   - Snapshot: the states of the latest roster of each kind, encoded per
//     village, which later rounds and screening (Input.OverlayRoster) read
//     as facts.
package crosscheck
