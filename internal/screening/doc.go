// Package screening is the domain of 排查: campaigns (集中排查 and 常态化排查),
// the check items a cadre answers at each household, visits and their
// signatures (谁排查、谁签字、谁负责), the rules that run over the registry,
// the visits' facts and department rosters to find problems, and the coverage
// of a campaign up the region tree ("不落一户、不漏一人").
//
// It does no I/O. A store loads households, members, merged visit facts and
// roster facts into the flat Input form and calls Evaluate once per
// household with one Params per run; the township pass (IncomeRank) collects
// per-capita incomes during the same loop.
package screening
