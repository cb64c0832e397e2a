// Package demo generates a demo county: 山西省吕梁市文水县 with its real
// townships (from the official division list), generated villages, and
// households whose members have valid ID numbers and plausible distributions
// of age, category, disability, illness, dibao and tekun. The same seed always
// gives the same county. It does no I/O: the caller stores what it yields.
package demo

import (
	"fmt"
	"math/rand/v2"
	"sort"
	"time"

	"sanbao/internal/idcard"
	"sanbao/internal/region"
	"sanbao/internal/registry"
)

// County is the demo county's code: 文水县.
const County = "141121"

// Options of a generation.
type Options struct {
	Households int       // total households (default 30,000)
	Seed       uint64    // same seed, same county
	Today      time.Time // reference day for ages (default 2026-01-01)
}

// Generator yields the demo county.
type Generator struct {
	opt       Options
	rng       *rand.Rand
	used      map[string]bool // ID numbers given out
	Villages  []region.Region
	Townships []region.Region
	perVill   []int
}

// New prepares a generator: it picks the villages of every township and how
// many households each gets.
func New(opt Options) (*Generator, error) {
	if opt.Households <= 0 {
		opt.Households = 30000
	}
	if opt.Today.IsZero() {
		opt.Today = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	g := &Generator{opt: opt, rng: rand.New(rand.NewPCG(opt.Seed, opt.Seed^0x9e3779b97f4a7c15)), used: map[string]bool{}}
	all, err := region.Official()
	if err != nil {
		return nil, err
	}
	for _, r := range all {
		if r.Level == region.Township && region.CountyOf(r.Code) == County {
			g.Townships = append(g.Townships, r)
		}
	}
	if len(g.Townships) == 0 {
		return nil, fmt.Errorf("demo: no townships of %s in the official list", County)
	}
	// About 170 households per village, as in the plains of Lüliang.
	nv := opt.Households / 170
	if nv < len(g.Townships) {
		nv = len(g.Townships)
	}
	if nv > len(g.Townships)*999 {
		nv = len(g.Townships) * 999
	}
	per := make([]int, len(g.Townships))
	for i := 0; i < nv; i++ {
		per[i%len(g.Townships)]++
	}
	for ti, t := range g.Townships {
		names := map[string]bool{}
		for j := 0; j < per[ti]; j++ {
			var name string
			for {
				name = g.villageName()
				if !names[name] {
					break
				}
			}
			names[name] = true
			code := t.Code[:9] + fmt.Sprintf("%03d", 200+j)
			if 200+j > 999 {
				code = t.Code[:9] + fmt.Sprintf("%03d", j-799)
			}
			g.Villages = append(g.Villages, region.Region{Code: code, Name: name, Level: region.Village, Parent: t.Code})
		}
	}
	sort.Slice(g.Villages, func(i, j int) bool { return g.Villages[i].Code < g.Villages[j].Code })
	// Spread households over villages, unevenly (100–300 each, scaled).
	weights := make([]float64, len(g.Villages))
	var sum float64
	for i := range weights {
		weights[i] = 0.5 + g.rng.Float64()
		sum += weights[i]
	}
	g.perVill = make([]int, len(g.Villages))
	left := opt.Households
	for i := range weights {
		n := int(float64(opt.Households) * weights[i] / sum)
		if n < 1 {
			n = 1
		}
		if n > left {
			n = left
		}
		g.perVill[i] = n
		left -= n
	}
	for i := 0; left > 0; i = (i + 1) % len(g.perVill) {
		if g.perVill[i] < 9999 {
			g.perVill[i]++
			left--
		}
	}
	return g, nil
}

var (
	dirs        = []rune("东西南北上下前后大小新中")
	places      = []rune("堡庄营社关峪头寨屯坊村河沟坡城")
	surnames    = []string{"王", "李", "张", "刘", "郭", "武", "赵", "杨", "田", "任", "韩", "孙", "梁", "陈", "高", "宋", "马", "贾", "冯", "胡", "白", "成", "温", "岳", "康", "吕", "薛", "闫", "乔", "霍"}
	maleGiven   = []string{"建国", "建军", "国强", "志刚", "永平", "红军", "海生", "明", "强", "军", "伟", "俊杰", "晓东", "宏伟", "保平", "文斌", "鹏", "浩然", "子豪", "宇航", "泽宇", "二虎", "三喜", "福生", "双全", "来福", "天佑", "金柱", "铁蛋", "拴柱", "旺财", "志勇", "润生", "小平"}
	femaleGiven = []string{"秀英", "桂兰", "玉梅", "凤英", "翠花", "丽娟", "海燕", "红梅", "美玲", "晓丽", "静", "敏", "芳", "娜", "雪", "欣怡", "梓涵", "雨桐", "思琪", "巧云", "改莲", "润梅", "爱萍", "春花", "月娥", "金凤", "秀兰", "建英", "彩霞", "俊英"}
	schools     = []string{"文水县第一中学", "文水县第二中学", "刘胡兰中学", "文水县实验小学", "凤城镇中心小学", "开栅镇中心校", "南庄镇初级中学", "孝义镇中心小学", "下曲镇初级中学", "吕梁学院", "山西大学", "太原理工大学", "文水县职业中学"}
	// Shanxi area codes for spouses married in from elsewhere.
	otherAreas = []string{"141102", "141122", "141123", "141181", "141182", "140105", "140106", "140421", "141024", "142301"}
)

func (g *Generator) villageName() string {
	if g.rng.IntN(3) == 0 {
		return surnames[g.rng.IntN(len(surnames))] + "家庄村"
	}
	return string(dirs[g.rng.IntN(len(dirs))]) + string(places[g.rng.IntN(len(places))]) + "村"
}

func (g *Generator) pick(p float64) bool { return g.rng.Float64() < p }

func (g *Generator) name(sex string) string {
	s := surnames[g.rng.IntN(len(surnames))]
	if sex == "male" {
		return s + maleGiven[g.rng.IntN(len(maleGiven))]
	}
	return s + femaleGiven[g.rng.IntN(len(femaleGiven))]
}

// idNumber makes a valid, unused ID number for a person born on birth.
func (g *Generator) idNumber(area string, birth time.Time, sex string) string {
	for {
		seq := g.rng.IntN(500) * 2 // even: female
		if sex == "male" {
			seq++
		}
		n := idcard.Make(area, birth, seq)
		if !g.used[n] {
			g.used[n] = true
			return n
		}
	}
}

func (g *Generator) birth(ageMin, ageMax int) time.Time {
	age := ageMin + g.rng.IntN(ageMax-ageMin+1)
	d := g.opt.Today.AddDate(-age, 0, -g.rng.IntN(365))
	return time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, time.UTC)
}

// Each calls fn with the households of each village in turn, each with its
// members; it stops at the first error from fn.
func (g *Generator) Each(fn func(village region.Region, hs []*registry.Household) error) error {
	for vi, v := range g.Villages {
		hs := make([]*registry.Household, 0, g.perVill[vi])
		for k := 0; k < g.perVill[vi]; k++ {
			hs = append(hs, g.household(v, k+1))
		}
		if err := fn(v, hs); err != nil {
			return err
		}
	}
	return nil
}

// Count is the number of households the generator yields.
func (g *Generator) Count() int {
	n := 0
	for _, c := range g.perVill {
		n += c
	}
	return n
}

func (g *Generator) household(v region.Region, seq int) *registry.Household {
	h := &registry.Household{
		County:          County,
		RegionCode:      v.Code,
		Number:          fmt.Sprintf("%s%04d", v.Code, seq),
		Category:        registry.CategoryOrdinary,
		HousingPriority: []string{},
		Address:         fmt.Sprintf("文水县%s%s%d号", g.townshipName(v.Parent), v.Name, seq),
	}
	switch r := g.rng.Float64(); {
	case r < 0.11:
		h.Category = registry.CategoryLifted
	case r < 0.125:
		h.Category = registry.CategoryMonitored
		h.MonitorType = []string{registry.MonitorUnstable, registry.MonitorMarginal, registry.MonitorSuddenHardship}[g.rng.IntN(3)]
	}
	poor := h.Category != registry.CategoryOrdinary
	h.Relocated = poor && g.pick(0.08)

	// Members: a head, perhaps a spouse, children, parents, grandchildren.
	headAge := 28 + g.rng.IntN(55)
	headSex := "male"
	if g.pick(0.12) {
		headSex = "female"
	}
	area := County
	add := func(rel string, ageMin, ageMax int, sex string, from string) {
		if ageMin < 0 {
			ageMin = 0
		}
		if ageMax < ageMin {
			ageMax = ageMin
		}
		b := g.birth(ageMin, ageMax)
		m := registry.Member{Name: g.name(sex), Sex: sex, BirthDate: registry.Date{Time: b}, Relation: rel,
			IDNumber: g.idNumber(from, b, sex)}
		g.fill(&m, poor)
		h.Members = append(h.Members, m)
	}
	add(registry.RelationHead, headAge, headAge, headSex, area)
	single := headAge > 70 && g.pick(0.35) || g.pick(0.08)
	if !single {
		sp := "female"
		if headSex == "female" {
			sp = "male"
		}
		from := area
		if g.pick(0.25) {
			from = otherAreas[g.rng.IntN(len(otherAreas))]
		}
		add("spouse", headAge-6, headAge+3, sp, from)
	}
	if headAge < 75 && !single {
		kids := g.rng.IntN(3) + 0
		if g.pick(0.3) {
			kids++
		}
		for i := 0; i < kids; i++ {
			lo := headAge - 40
			hi := headAge - 20
			add("child", lo, hi, []string{"male", "female"}[g.rng.IntN(2)], area)
		}
	}
	if headAge < 50 && g.pick(0.35) {
		add("parent", headAge+22, headAge+35, []string{"male", "female"}[g.rng.IntN(2)], area)
	}
	if headAge > 55 && g.pick(0.3) {
		for i := 0; i < 1+g.rng.IntN(2); i++ {
			add("grandchild", 1, headAge-45, []string{"male", "female"}[g.rng.IntN(2)], area)
		}
	}
	// Safety net: dibao and tekun, mostly among poor and single elderly households.
	switch {
	case len(h.Members) == 1 && headAge > 65 && g.pick(0.25):
		h.Tekun = true
		h.HousingPriority = append(h.HousingPriority, "tekun")
	case poor && g.pick(0.32), !poor && g.pick(0.015):
		h.Dibao = true
		h.DibaoTier = []string{"1", "2", "2", "3", "3"}[g.rng.IntN(5)]
		h.HousingPriority = append(h.HousingPriority, "dibao")
	}
	if h.Category == registry.CategoryMonitored {
		h.HousingPriority = append(h.HousingPriority, "relapse_risk")
	}
	if g.pick(0.85) {
		h.Phone = fmt.Sprintf("1%d%09d", []int{3, 5, 8, 9}[g.rng.IntN(4)], g.rng.IntN(1000000000))
	}
	return h
}

func (g *Generator) townshipName(code string) string {
	for _, t := range g.Townships {
		if t.Code == code {
			return t.Name
		}
	}
	return ""
}

// fill gives a member plausible health, disability, schooling, labour and
// insurance for their age.
func (g *Generator) fill(m *registry.Member, poor bool) {
	age := idcard.AgeOn(m.BirthDate.Time, g.opt.Today)
	m.DisabilityType, m.DisabilityGrade = "none", "0"
	pDis := 0.04
	if poor {
		pDis = 0.14
	}
	if g.pick(pDis) {
		m.DisabilityType = []string{"physical", "physical", "physical", "visual", "hearing", "speech", "intellectual", "mental", "multiple"}[g.rng.IntN(9)]
		m.DisabilityGrade = []string{"1", "2", "2", "3", "3", "4", "4", "4"}[g.rng.IntN(8)]
	}
	m.Health = registry.HealthHealthy
	pChronic := 0.02
	if age >= 40 {
		pChronic = 0.12 + float64(age-40)*0.006
	}
	if poor {
		pChronic *= 1.6
	}
	if g.pick(pChronic) {
		m.Health = registry.HealthChronic
	} else if g.pick(0.012) {
		m.Health = registry.HealthSerious
	}
	m.Schooling = registry.SchoolingNone
	switch {
	case age >= 3 && age <= 5:
		m.Schooling = registry.SchoolingPreschool
	case age >= 6 && age <= 15:
		m.Schooling = registry.SchoolingInSchool
		switch r := g.rng.Float64(); {
		case m.SevereDisability() && r < 0.5:
			m.Schooling = registry.SchoolingHomeTeach
		case m.SevereDisability() && r < 0.6:
			m.Schooling = registry.SchoolingUnable
		case r < 0.003:
			m.Schooling = registry.SchoolingDropout
		}
	case age >= 16 && age <= 18 && g.pick(0.85), age >= 19 && age <= 22 && g.pick(0.45):
		m.Schooling = registry.SchoolingInSchool
	case age >= 19 && age <= 30:
		m.Schooling = registry.SchoolingGraduated
	}
	if m.Schooling == registry.SchoolingInSchool {
		m.School = schools[g.rng.IntN(len(schools))]
	}
	switch {
	case age < 16 || m.Schooling == registry.SchoolingInSchool:
		m.Labour = registry.LabourNone
	case m.SevereDisability() || m.Health == registry.HealthSerious:
		m.Labour = registry.LabourLost
	case age >= 70:
		m.Labour = registry.LabourNone
	case age >= 60 || m.Disabled() || m.Health == registry.HealthChronic:
		m.Labour = registry.LabourWeak
	default:
		m.Labour = registry.LabourNormal
		if g.pick(0.06) {
			m.Labour = registry.LabourWeak
		}
	}
	pIns := 0.965
	if poor {
		pIns = 0.993
	}
	m.MedicalInsured = g.pick(pIns)
}
