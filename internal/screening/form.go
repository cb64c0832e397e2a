package screening

import (
	"strconv"
	"strings"
	"time"

	"sanbao/internal/apperr"
)

// Question is one item to answer for the household (MemberID 0) or for one
// member.
type Question struct {
	Item     *CheckItem `json:"item"`
	MemberID int64      `json:"member_id,omitempty"`
}

// Form is what a cadre must answer at one household: the items of the
// visit's dimensions that concern the household and each of its members.
type Form struct {
	Input    *Input           // the household and its members
	Params   *Params          // reference dates and the checklist (Params.Items)
	Campaign *Campaign        // the campaign the visit is for (nil: no campaign checks)
	Names    map[int64]string // member names for messages (optional)
}

// Questions lists the questions of the given dimensions (all of the
// campaign's, or every dimension, when dims is empty), household items
// first within each item's place in the checklist.
func (f *Form) Questions(dims []string) []Question {
	if len(dims) == 0 && f.Campaign != nil {
		dims = f.Campaign.Dimensions
	}
	h := &f.Input.Household
	var out []Question
	for i := range f.Params.Items {
		it := &f.Params.Items[i]
		if len(dims) > 0 && !contains(dims, it.Dimension) {
			continue
		}
		if it.Scope == ScopeHousehold {
			if it.Applies(h, nil, f.Params) {
				out = append(out, Question{Item: it})
			}
			continue
		}
		for j := range f.Input.Members {
			m := &f.Input.Members[j]
			if it.Applies(h, m, f.Params) {
				out = append(out, Question{Item: it, MemberID: m.ID})
			}
		}
	}
	return out
}

func (f *Form) who(id int64) string {
	if id == 0 {
		return ""
	}
	if n := f.Names[id]; n != "" {
		return n + "："
	}
	return memberWho(id) + "："
}

// Check validates a visit against the household and the checklist: the
// household matches; answers name known items of the visit's dimensions and
// members of the household; items answered "meets" or "does not meet"
// record their required facts; facts concern members of the household; the
// campaign is open, covers the household and screens the dimensions. With
// complete, every question of the visit's dimensions must be answered.
func (f *Form) Check(v *Visit, complete bool) error {
	var val apperr.Validation
	v.validate(&val, f.Params.Items)
	h := &f.Input.Household
	if v.HouseholdID != 0 && v.HouseholdID != h.ID {
		val.Add("household_id", "走访农户", "与所选农户不一致")
	}
	if c := f.Campaign; c != nil {
		if v.CampaignID != c.ID {
			val.Add("campaign_id", "排查活动", "与所选排查活动不一致")
		}
		if !c.Includes(h.Region) {
			val.Add("household_id", "走访农户", "不在“%s”的排查范围内", c.Name)
		}
		if !v.VisitedAt.IsZero() && !c.Open(v.VisitedAt.In(chinaZone)) {
			val.Add("visited_at", "走访时间", "%s不在“%s”的排查时间内（%s至%s）", v.VisitedAt.In(chinaZone).Format("2006-01-02"),
				c.Name, c.Start, c.End)
		}
		for _, d := range v.Dimensions {
			if Dimensions.Has(d) && !c.Screens(d) {
				val.Add("dimensions", "排查方面", "“%s”不在“%s”的排查方面内", Dimensions.LabelOf(d), c.Name)
			}
		}
	}
	memberFacts := map[int64]FactSet{}
	for _, m := range v.Members {
		if m.MemberID > 0 && f.Input.memberIndex(m.MemberID) < 0 {
			val.Add("members", "成员", "%s不是本户成员", memberWho(m.MemberID))
		}
		memberFacts[m.MemberID] = m.Facts
	}
	answered := map[[2]string]bool{}
	for _, a := range v.Answers {
		it := ItemByCode(f.Params.Items, a.Item)
		field := "answers." + a.Item
		if it == nil {
			val.Add(field, a.Item, "不是已知的排查项")
			continue
		}
		if !contains(v.Dimensions, it.Dimension) {
			val.Add(field, it.Title, "属于“%s”，不在本次走访的排查方面内", Dimensions.LabelOf(it.Dimension))
			continue
		}
		who := f.who(a.MemberID)
		switch {
		case it.Scope == ScopeHousehold && a.MemberID != 0:
			val.Add(field, it.Title, "是全户排查项，不能按成员作答")
			continue
		case it.Scope == ScopeMember && a.MemberID == 0:
			val.Add(field, it.Title, "须按成员逐人作答")
			continue
		case it.Scope == ScopeMember && f.Input.memberIndex(a.MemberID) < 0:
			val.Add(field, it.Title, "%s不是本户成员", memberWho(a.MemberID))
			continue
		}
		answered[[2]string{a.Item, strconv.FormatInt(a.MemberID, 10)}] = true
		if a.Result != ResultMet && a.Result != ResultNotMet {
			continue
		}
		facts := v.Facts
		if it.Scope == ScopeMember {
			facts = memberFacts[a.MemberID]
		}
		var missing []string
		for _, c := range it.Required {
			if facts[c] == nil {
				missing = append(missing, FactByCode(c).Label)
			}
		}
		if len(missing) > 0 {
			val.Add(field, it.Title, "%s答“%s”时须记录：%s", who, Results.LabelOf(a.Result), strings.Join(missing, "、"))
		}
	}
	if complete {
		for _, q := range f.Questions(v.Dimensions) {
			if !answered[[2]string{q.Item.Code, strconv.FormatInt(q.MemberID, 10)}] {
				val.Add("answers."+q.Item.Code, q.Item.Title, "%s尚未作答（不涉及的请选“不适用”）", f.who(q.MemberID))
			}
		}
	}
	return val.Err()
}

// Sign signs a complete visit: the signer must be the cadre who visited
// (谁排查、谁签字、谁负责); at is the clock's now. A signed visit cannot be
// signed again or edited.
func (f *Form) Sign(v *Visit, signer string, signerID int64, at time.Time) error {
	if v.Signed() {
		return apperr.New(apperr.Conflict, "该走访记录已由%s签字，不能重复签字或修改", v.SignedBy)
	}
	v.Normalize()
	if err := f.Check(v, true); err != nil {
		return err
	}
	signer = strings.TrimSpace(signer)
	if signer == "" || signer != v.Cadre || (v.CadreID != 0 && signerID != v.CadreID) {
		return apperr.Field("signed_by", "签字人", "须由排查人%s本人签字：谁排查、谁签字、谁负责", v.Cadre)
	}
	if v.VisitedAt.After(at.Add(VisitTimeSkew)) {
		return apperr.Field("visited_at", "走访时间", "%s晚于签字时间", v.VisitedAt.In(chinaZone).Format("2006-01-02 15:04"))
	}
	v.SignedBy = signer
	v.SignedAt = at.UTC().Truncate(time.Second)
	v.Digest = v.SignatureDigest()
	return nil
}

// Unscreened lists the questions of the given dimensions (all when empty)
// that no signed visit has answered yet: the household's coverage gaps
// ("not yet screened"), e.g. a house whose grade was never recorded.
// answers are the merged latest answers (Merged.Answers).
func (f *Form) Unscreened(dims []string, answers []Answer) []Question {
	have := make(map[[2]string]bool, len(answers))
	for _, a := range answers {
		have[[2]string{a.Item, strconv.FormatInt(a.MemberID, 10)}] = true
	}
	var out []Question
	for _, q := range f.Questions(dims) {
		if !have[[2]string{q.Item.Code, strconv.FormatInt(q.MemberID, 10)}] {
			out = append(out, q)
		}
	}
	return out
}
