package policy

// Rules of the problem ledger and its close-out (POLICY.md §4–§5).
var (
	// Accept7 is the time the level above has to accept (验收) a submitted
	// rectification. The seeds place acceptance in a stage of the campaign
	// but give no number of days for one problem.
	Accept7 = Deadline{"accept", "上级验收", 7, Source{"002", "§二(三)", "县级各专班组织力量将对本专班及各乡镇(含村)全部问题进行初步验收（种子文件未写明单个问题的验收天数，只规定验收总结阶段为8月15日—9月10日；7天为本系统所取，与“710”制度一般性问题的时限相同）"}}

	// RejectionsAccountable: a rectification rejected at acceptance gets a
	// time limit; failing again (the second rejection) leads to accountability.
	RejectionsAccountable = Figure{"rejections_accountable", "验收不合格追责次数", 2, "次", Source{"002", "§二(三)", "验收中发现整改不到位、不彻底的限期整改,对限期整改仍不合格的,限期未完成初验的要追究相关责任人责任"}}

	// AcceptanceMissed: an acceptance not done in time leads to accountability.
	AcceptanceMissed = Source{"002", "§二(三)", "限期未完成初验的要追究相关责任人责任"}

	// StageMissed: any other time limit missed leads to accountability.
	StageMissed = Source{"004", "§五(四)", "对未按时限要求落实办理或造成不良舆情影响的,严肃追究相关责任人责任"}

	// Extension: a later rectification deadline only by a county leader's
	// collective decision with a new date and plan.
	Extension = Source{"004", "§四(一)2", "确需延长时限的,要经县级领导组织集体研究决定拿出解决的时间节点和方案"}

	// NotApplicable: the township explains to the household why the request
	// falls outside the policy, which ends the problem.
	NotApplicable = Source{"004", "§四(一)1", "对不符合政策的,进行说服劝导"}

	// CloseOut: every problem followed to closure.
	CloseOut = Source{"004", "§四(一)2", "所有事项都要跟踪到底、销号清零,做到事事有着落,件件有结果"}

	// WeeklyDispatch: the weekly dispatch bulletin of a rectification campaign.
	WeeklyDispatch = Source{"002", "§二(二)", "整改期间对重点工作实行每周调度、每周通报"}

	// LedgerTemplate: the official ledger and its filling notes.
	LedgerTemplate = Source{"002", "附件1", "填表说明: 1.整改措施要有针对性、可行性。2.整改进展填写已经做了的具体工作。3.整改时限明确化,如*月*日前。4.整改结果填写为“正在整改、整改完成或整改完成长期坚持”三种形式中的一种。5.责任人填写牵头单位的主要负责人。"}
)
