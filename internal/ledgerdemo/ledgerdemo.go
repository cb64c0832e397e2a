// Package ledgerdemo generates a county's problem ledger for the demo and the
// benchmarks: problems of every dimension and source, spread over the
// county's villages and the past months, each taken through the workflow of
// package ledger (verification, decision, plan, progress, submission,
// acceptance or rejection, extension, reopening) with its own moving clock,
// so that stages, deadlines, overdue marks and accountability flags are what
// the real workflow would have left. The same seed gives the same ledger. It
// does no I/O.
package ledgerdemo

import (
	"fmt"
	"math/rand/v2"
	"time"

	"sanbao/internal/clock"
	"sanbao/internal/deadline"
	"sanbao/internal/ledger"
	"sanbao/internal/region"
	"sanbao/internal/registry"
)

// Options of a generation.
type Options struct {
	Problems int       // how many (default 10,000)
	Seed     uint64    // same seed, same ledger
	Now      time.Time // the moment the ledger is as at (default 2024-08-20 10:00 China time)
	Days     int       // problems are reported over the Days before Now (default 120)
	Villages []string  // 12-digit codes of the county's villages (one county)
}

// unit is a county department with its task force, its principal and its
// problems.
type unit struct {
	dim, lead, taskForce, owner string
	problems                    []string // %s: a name
	measures                    []string
	progress                    []string
}

var units = []unit{
	{ledger.DimEducation, "县教科局", "控辍保学专班", "钱文华",
		[]string{"%s家适龄子女辍学在家", "%s家残疾儿童未落实送教上门", "%s家学生未享受教育资助"},
		[]string{"落实控辍保学“一生一案”，劝返复学", "安排送教上门，每月不少于2次", "核实资格，补发教育资助"},
		[]string{"已上门劝返，学生返校就读", "已送教上门2次", "资助资金已发放"}},
	{ledger.DimMedical, "县医保局", "健康医疗保障专班", "孙建平",
		[]string{"%s家成员未参加城乡居民医保", "%s家住院费用报销比例偏低", "%s家慢病患者未办理慢病卡"},
		[]string{"动员参保并落实资助参保", "核查报销政策执行，落实倾斜支付", "协助办理门诊慢特病待遇"},
		[]string{"已完成参保登记", "已补报销差额", "慢病卡已办理"}},
	{ledger.DimHousing, "县住建局", "住房安全保障专班", "赵国强",
		[]string{"%s家住房出现裂缝，疑似危房", "%s家屋顶漏雨", "%s家住房未经安全鉴定"},
		[]string{"组织房屋安全鉴定，纳入危房改造", "维修加固屋顶", "开展房屋安全鉴定并建档"},
		[]string{"完成房屋安全鉴定", "施工队已进场", "加固工程完工"}},
	{ledger.DimWater, "县水利局", "饮水安全保障专班", "高志勇",
		[]string{"%s家季节性缺水", "%s家自来水水质浑浊", "%s家入户管道冻裂"},
		[]string{"延伸供水管网入户", "更换净化设备并复检水质", "更换入户管道并加装保温"},
		[]string{"管网延伸完成", "水质复检达标", "管道已更换"}},
	{ledger.DimSafetyNet, "县民政局", "兜底保障专班", "武秀兰",
		[]string{"%s家符合条件未纳入低保", "%s家特困人员未落实供养", "%s家临时救助未及时发放"},
		[]string{"启动低保审核审批程序", "落实分散供养", "发放临时救助金"},
		[]string{"已入户核查", "已完成民主评议", "救助金已发放"}},
	{ledger.DimEmployment, "县人社局", "就业帮扶专班", "韩晓东",
		[]string{"%s家有劳动力无人就业", "%s家务工人员未享受交通补贴"},
		[]string{"推荐就业岗位，开展技能培训", "核实务工信息，发放交通补贴"},
		[]string{"已推荐岗位3个", "补贴已发放"}},
	{ledger.DimIndustry, "县农业农村局", "产业发展专班", "任海生",
		[]string{"%s家产业奖补未兑现", "%s家小额信贷逾期"},
		[]string{"核实产业项目，兑现奖补", "协调银行办理续贷"},
		[]string{"奖补资金已拨付", "续贷手续已办理"}},
	{ledger.DimIncome, "县农业农村局", "提升脱贫人口人均收入专班", "任海生",
		[]string{"%s家人均纯收入低于监测范围", "%s家收入骤减"},
		[]string{"纳入监测，落实帮扶措施", "落实就业和产业帮扶，增加收入"},
		[]string{"已纳入监测", "帮扶计划已制定"}},
	{registry.DimMonitoring, "县乡村振兴局", "防返贫监测专班", "郭永平",
		[]string{"%s家风险未消除即标注消除", "%s家未按程序纳入监测"},
		[]string{"重新评估风险，落实帮扶", "按程序纳入监测对象"},
		[]string{"已重新入户核查", "已完成公示"}},
}

var (
	surnames = []string{"王", "李", "张", "刘", "郭", "武", "赵", "杨", "田", "任", "韩", "孙", "梁", "陈", "高", "宋", "马", "贾"}
	given    = []string{"建国", "秀英", "国强", "桂兰", "志刚", "玉梅", "永平", "凤英", "海生", "丽娟", "保平", "改莲", "福生", "润梅"}
	sources  = []string{ledger.SourceVisit, ledger.SourceVisit, ledger.SourceRule, ledger.SourceDepartmentAlert,
		ledger.SourceSelfDeclaration, ledger.SourceInspection, ledger.SourceInspection, ledger.SourceComplaint}
	village  = ledger.Actor{Name: "村两委干部", Role: "村两委干部"}
	township = ledger.Actor{Name: "乡镇干部", Role: "乡镇干部"}
	above    = ledger.Actor{Name: "县专班验收组", Role: "县巩固衔接办"}
)

// Generator yields the ledger.
type Generator struct {
	opt Options
	rng *rand.Rand
	seq int
}

// New prepares a generator.
func New(opt Options) (*Generator, error) {
	if opt.Problems <= 0 {
		opt.Problems = 10000
	}
	if opt.Now.IsZero() {
		opt.Now = time.Date(2024, 8, 20, 10, 0, 0, 0, clock.China)
	}
	if opt.Days <= 0 {
		opt.Days = 120
	}
	if len(opt.Villages) == 0 {
		return nil, fmt.Errorf("ledgerdemo: no villages")
	}
	county := region.CountyOf(opt.Villages[0])
	for _, v := range opt.Villages {
		if region.CountyOf(v) != county {
			return nil, fmt.Errorf("ledgerdemo: villages of more than one county")
		}
	}
	return &Generator{opt: opt, rng: rand.New(rand.NewPCG(opt.Seed, opt.Seed^0x5bd1e995))}, nil
}

// Each yields the problems in batches, oldest first.
func (g *Generator) Each(batch int, fn func(ps []*ledger.Problem) error) error {
	span := time.Duration(g.opt.Days) * 24 * time.Hour
	start := g.opt.Now.Add(-span)
	var out []*ledger.Problem
	for i := 0; i < g.opt.Problems; i++ {
		// Reported times spread evenly over the span, with jitter.
		at := start.Add(time.Duration(float64(span) * (float64(i) + g.rng.Float64()) / float64(g.opt.Problems)))
		p, err := g.problem(at)
		if err != nil {
			return err
		}
		out = append(out, p)
		if len(out) == batch {
			if err := fn(out); err != nil {
				return err
			}
			out = nil
		}
	}
	if len(out) > 0 {
		return fn(out)
	}
	return nil
}

func (g *Generator) pick(xs []string) string { return xs[g.rng.IntN(len(xs))] }

// hours returns a duration of lo to hi hours.
func (g *Generator) hours(lo, hi float64) time.Duration {
	return time.Duration((lo + g.rng.Float64()*(hi-lo)) * float64(time.Hour))
}

// within returns a duration inside a time limit of hi hours most of the
// time, and up to late hours in one case of twenty-five.
func (g *Generator) within(lo, hi, late float64) time.Duration {
	if g.rng.IntN(25) == 0 {
		return g.hours(hi, late)
	}
	return g.hours(lo, hi)
}

// problem makes one problem reported at t and takes it through the workflow
// as far as Now allows.
// Times are UTC with microseconds, as a store keeps them.
func (g *Generator) problem(t time.Time) (*ledger.Problem, error) {
	t = t.UTC().Truncate(time.Microsecond)
	g.seq++
	u := &units[g.rng.IntN(len(units))]
	k := g.rng.IntN(len(u.problems))
	name := g.pick(surnames) + g.pick(given)
	vil := g.opt.Villages[g.rng.IntN(len(g.opt.Villages))]
	now := g.opt.Now
	p, err := ledger.New(ledger.Draft{
		Number:      ledger.NewNumber(region.CountyOf(vil), t.In(clock.China).Year(), g.seq),
		Description: fmt.Sprintf(u.problems[k], name), Dimension: u.dim, Region: vil, Source: g.pick(sources),
	}, village, t)
	if err != nil {
		return nil, err
	}
	dept := ledger.Actor{Name: u.owner, Role: "局长", Unit: u.lead}
	step := func(d time.Duration) bool {
		t = t.Add(d).Truncate(time.Microsecond)
		return t.Before(now)
	}
	done := func() (*ledger.Problem, error) { p.CheckOverdue(now); return p, nil }
	if p.State == ledger.Reported {
		// Most on time, some late (135: 1, 3 and 5 days).
		if !step(g.within(1, 20, 40)) {
			return done()
		}
		if _, err := p.Verify(ledger.Verification{Findings: "已上户核实，情况属实"}, village, t); err != nil {
			return nil, err
		}
		if !step(g.within(2, 60, 100)) {
			return done()
		}
		if g.rng.IntN(30) == 0 {
			_, err := p.Decide(ledger.Decision{Explanation: "经核实不符合政策，已向农户解释"}, township, t)
			return p, err
		}
		if _, err := p.Decide(ledger.Decision{Forward: true, Opinion: "需县级部门帮助解决", Department: u.lead}, township, t); err != nil {
			return nil, err
		}
	}
	if !step(g.within(2, 100, 160)) {
		return done()
	}
	sev := ledger.Ordinary
	if g.rng.IntN(6) == 0 {
		sev = ledger.Major
	}
	if _, err := p.Plan(ledger.RectificationPlan{Severity: sev, TaskForce: u.taskForce, LeadUnit: u.lead,
		SupportingUnits: []string{"乡镇人民政府"}, Owner: u.owner, Measures: u.measures[k]}, dept, t); err != nil {
		return nil, err
	}
	limit := p.Deadline
	if sev == ledger.Major && g.rng.IntN(5) == 0 && step(g.hours(24, 24*20)) {
		if _, err := p.Extend(ledger.Extension{Leader: "县委副书记", DecidedOn: deadline.Day(t), Reason: "工程量大，需分期实施",
			NewDeadline: deadline.Day(p.Deadline).AddDate(0, 0, 20), Plan: "分两期施工，20日内完成"}, dept, t); err != nil {
			return nil, err
		}
		limit = p.Deadline
	}
	for rounds := 0; ; rounds++ {
		for n := g.rng.IntN(3); n > 0; n-- {
			if !step(g.hours(4, 60)) {
				return done()
			}
			if _, err := p.AddProgress(ledger.ProgressEntry{Text: g.pick(u.progress)}, dept, t); err != nil {
				return nil, err
			}
		}
		// Most rectifications are handed in before the limit, some after.
		left := deadline.EndOfDay(limit).Sub(t)
		wait := g.hours(2, 24)
		if left > 0 {
			wait = time.Duration(g.rng.Float64() * 0.95 * float64(left))
			if g.rng.IntN(25) == 0 {
				wait = left + g.hours(1, 72)
			}
		}
		if !step(wait) {
			return done()
		}
		if _, err := p.Submit(ledger.Submission{Summary: "已按措施完成整改", Result: ledger.Done,
			Evidence: []ledger.Evidence{{Kind: ledger.EvidenceText, Text: g.pick(u.progress)}}}, dept, t); err != nil {
			return nil, err
		}
		if !step(g.within(4, 24*6, 24*9)) {
			return done()
		}
		if rounds < 2 && g.rng.IntN(6) == 0 {
			nl := deadline.Day(t).AddDate(0, 0, 3+g.rng.IntN(5))
			if _, err := p.Reject(ledger.Review{Opinion: "整改不彻底，限期整改", NewLimit: nl}, above, t); err != nil {
				return nil, err
			}
			limit = nl
			continue
		}
		if _, err := p.Accept(ledger.Review{Opinion: "验收合格，同意销号"}, above, t); err != nil {
			return nil, err
		}
		break
	}
	if g.rng.IntN(40) == 0 && step(g.hours(24, 24*30)) {
		if _, err := p.Reopen(ledger.Reopening{Reason: "问题反弹"}, village, t); err != nil {
			return nil, err
		}
	}
	return done()
}
