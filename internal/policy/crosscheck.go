package policy

// Figures and sources of the department cross-check (部门筛查预警 / 数据比对):
// departments compare their rosters with the registry regularly and push
// the suspected households to the village to verify (POLICY.md §3).

var (
	// CrossCheck is the mechanism itself.
	CrossCheck = Source{"003", "§四(一)5", "扶贫部门和教育、住建、医保、水利、民政、残联等部门是否定期开展相关数据比对,及时更新信息;部门之间数据是否及时共享,排查出疑似问题和存在风险隐患的农户信息是否及时推送到乡村核实"}

	// AlertPushTimely: alerts are to be pushed and handled in time; a
	// pushed alert is verified on the spot under the "1" of the 135 rule
	// (Verify1).
	AlertPushTimely = Source{"002", "§(三)", "行业部门筛查预警机制运行效率不高，返贫风险监测预警信息推送处理不够及时，监测对象纳入不够及时"}

	// StudentDataCompare: student data compared before and after each
	// term starts.
	StudentDataCompare = Source{"004", "§四(二)1", "加强义务教育学生开学前后数据比对,摸清应入学未入学、开学未返校复课学生的去向,建立工作台账,坚持“一人一案”,精准施策,应劝返尽劝返,实行销号管理"}

	// InsuranceCoverage: every lifted person and monitored household is in
	// basic medical insurance.
	InsuranceCoverage = Source{"002", "§一(一)2", "持续抓好脱贫人口基本医保参保，将脱贫人口、监测对象和符合慢性病条件的农村群众全部纳入医疗保障帮扶政策覆盖范围"}

	// DischargeExpenses: expenses checked after discharge; large spending
	// that creates a relapse risk triggers medical assistance.
	DischargeExpenses = Source{"004", "§四(二)2", "在治疗出院后,及时掌握支出情况,对支出较大引发返贫致贫风险的,及时落实医疗帮扶政策"}

	// DisabledOnDibao: a severely disabled person on dibao gets the living
	// subsidy for disabled people in hardship.
	DisabledOnDibao = Source{"002", "§(八)", "有的重度残疾人享受低保，但没有落实困难残疾人生活补贴"}

	// DangerousHouse: nobody lives in a C or D house.
	DangerousHouse = Source{"001", "§二.3", "对居住在C级和D级的贫困人口以及一般群众，通过进行危房改造或其他有效措施，保障其不住危房"}

	// RenovatedNotMoved and SubsidyUnpaid: renovation followed up.
	RenovatedNotMoved = Source{"000", "§二(三)", "是否存在危房改造后农户未及时入住、改而未住或“两头住”的问题"}
	SubsidyUnpaid     = Source{"000", "§二(三)", "是否存在农村危房改造后验收工作周期长，改造补助资金发放不及时，造成已竣工农户未能及时领取到补助资金的问题"}

	// WaterIndicators: the four indicators of safe drinking water.
	WaterIndicators = Source{"000", "§二(四)", "农村饮水安全“四项指标”是否存在供水保证不稳定的问题，即水质是否超标、水量是否达到每人每天获得20-40升以上、方便程度是否实现自来水入户、人力取水不超过20分钟或取水水平距离不超800米垂直距离不超80米、供水保证率是否达到90%以上"}

	// EmploymentData: monthly job data of lifted workers, kept current, and
	// regular follow-up of their employment.
	EmploymentData = Source{"002", "§(七)4", "掌握脱贫劳动力基本情况、技能培训意愿和务工就业信息，实施动态更新管理，每月3日前，完成务工就业数据采集更新"}
	// NoIncomeHousehold: a household whose income has fallen away is a
	// household in sudden hardship.
	NoIncomeHousehold = Source{"004", "§三", "因病因灾因残因意外事故等刚性支出较大或收入大幅缩减导致基本生活出现严重困难户"}
)

// LargeOutOfPocket is the out-of-pocket medical spending of one person after
// discharge, in the rows of one roster, above which an alert is pushed. The
// seeds ask for "支出较大" and give no amount, so this is a configurable
// default, not a figure of the policy.
var LargeOutOfPocket = Figure{"large_out_of_pocket", "出院后个人自付费用预警线", 10000, "元",
	Source{"004", "§四(二)2", "对支出较大引发返贫致贫风险的,及时落实医疗帮扶政策（种子文件未给出“支出较大”的金额；默认个人自付累计1万元以上推送预警，各县可按本地收入水平配置）"}}
