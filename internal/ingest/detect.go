package ingest

import (
	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/japanese"
	"golang.org/x/text/encoding/korean"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/traditionalchinese"
)

// The detector reads bytes that declare no charset. Each East Asian
// candidate must decode them without error; its score is the share of the
// decoded non-ASCII characters that are common in its language (a wrong
// reading yields rare characters). Below the bar, the single-byte Windows
// code pages are weighed: Cyrillic, Central European, then Windows-1252,
// which reads every byte.

// The most frequent characters of each language, plus mail and helpdesk
// words; kana count for Japanese as a class.
const (
	commonHans = "的一是不了在人有我他这个们中来上大为和国地到以说时要就出会可也你对生能而子那得于着下自之年过发后作里用道行所然家种事成方" +
		"多经么去法学如都同现当没动面起看定天分还进好小部其些主样理心她本前开但因只从想实日军者意无力它与长把机十民第公此已工使情" +
		"明性知全三又关点正业外将两高间由问很最重并物手应战向头文体政美相见被利什二等产或新己制身果加西斯月话合回特代内信表化老给" +
		"世位次度门任常先海通教儿原东声提立及比员解水名真论处走义各入几口认条平系气题活尔更别打女变四神总何电数安少报才结反受目太" +
		"量再感建务做接必场件计管期市直德资命山金指克许统区保至队形社便空决治展马科司五基眼书非则听白却界达光放强即像难且权思王象" +
		"完设式色路记南品住告类求据程北边死张该交规万取拉格望觉术领共确传师观清今切院让识候带导争运笑飞风步改收根干造言联持组每济" +
		"车亲极林服快办议往元英士证近失转夫令准布始怎呢存未远叫台单影具罗字爱击流备兵连调深商算质团集百需价花党华城石级整府离况亚" +
		"请技际约示复病息究线似官火断精满支视消越器容照须九增研写称企八功吗包片史委乎查轻易早曾除农找装广显吧阿李标谈吃图念六引历" +
		"首医局突专费号尽另周较注语仅考落青随选列武红响虽推势参希古众构房半节土投某案黑维革划敌致陈律足态护七兴派孩验责营星够章音" +
		"跟志底站严巴例防族供效续施留讲型料终答紧黄绝奇察母京段依批群项故按河米围江织害斗双境客纪采举杀攻父苏密低朝友诉止细愿千值" +
		"仍男钱破网热助倒育属坐帝限船脸职速刻乐否刚威毛状率甚独球般普怕弹校苦创假久错承印晚兰试股拿脑预谁益阳若哪微尼继送急血惊伤" +
		"素药适波夜省初喜卫源食险待述陆习置居劳财环排福纳欢雷警获模充负云停木游龙树疑层冷洲冲射略范竟句室异激汉村哈策演简卡罪判担" +
		"州静退既衣您宗积余痛检差富灵协角占配征修皮挥胜降阶审沉坚善妈刘读啊超免压银买皇养伊怀执副乱抗犯追帮宣佛岁航优怪香著田铁控" +
		"税左右份穿艺背阵草脚概恶块顿敢守酒岛托央户烈洋哥索胡款靠评版宝座释景顾弟登货互付伯慢欧换闻危忙核暗姐介坏讨丽良序升监临亮" +
		"露永呼味野架域沙掉括舰鱼杂误湾吉减编楚肯测败屋跑梦散温困剑渐封救贵枪缺楼县尚毫移娘朋画班智亦耳恩短掌恐遗固席松秘谢鲁遇康" +
		"虑幸均销钟诗藏赶剧票损忽巨炮旧端探湖录叶春乡附吸予礼港雨呀板庭妇归睛饭额含顺输摇招婚脱补谓督毒油疗旅泽材灭逐莫笔亡鲜词圣" +
		"择寻厂睡博勒烟授诺伦岸奥唐卖俄炸载洛健堂旁宫喝借君禁阴园谋宋避抓荣姑孙逃牙束跳顶玉镇雪午练迫爷篇肉嘴馆遍凡础洞卷坦牛宁纸" +
		"诸训私庄祖丝翻暴森塔默握戏隐熟骨访弱蒙歌店鬼软典欲萨伙遭盘爸扩盖弄雄稳忘亿刺拥徒姆杨齐赛趣曲刀床迎冰虚玩析窗醒妻透购替塞" +
		"努休虎扬途侵刑绿兄迅套贸毕唯谷轮库迹尤竞街促延震弃甲伟麻川申缓潜闪售灯针哲络抵朱埃抱鼓植纯夏忍页杰筑折郑贝尊吴秀混臣雅振" +
		"染盛怒舞圆搞狂措姓残秋培迷诚宽宇猛摆梅毁伸摩盟末乃悲拍丁赵尾邮箱码障账烦硬屏幕键鼠"
	commonHant = "的一是不了在人有我他這個們中來上大為和國地到以說時要就出會可也你對生能而子那得於著下自之年過發後作裡用道行所然家種事成方" +
		"多經麼去法學如都同現當沒動面起看定天分還進好小部其些主樣理心她本前開但因只從想實日軍者意無力它與長把機十民第公此已工使情" +
		"明性知全三又關點正業外將兩高間由問很最重並物手應戰向頭文體政美相見被利什二等產或新己制身果加西斯月話合回特代內信表化老給" +
		"世位次度門任常先海通教兒原東聲提立及比員解水名真論處走義各入幾口認條平系氣題活爾更別打女變四神總何電數安少報才結反受目太" +
		"量再感建務做接必場件計管期市直德資命山金指克許統區保至隊形社便空決治展馬科司五基眼書非則聽白卻界達光放強即像難且權思王象" +
		"完設式色路記南品住告類求據程北邊死張該交規萬取拉格望覺術領共確傳師觀清今切院讓識候帶導爭運笑飛風步改收根乾造言聯持組每濟" +
		"車親極林服快辦議往元英士證近失轉夫令準布始怎呢存未遠叫台單影具羅字愛擊流備兵連調深商算質團集百需價花黨華城石級整府離況亞" +
		"請技際約示復病息究線似官火斷精滿支視消越器容照須九增研寫稱企八功嗎包片史委乎查輕易早曾除農找裝廣顯吧阿李標談吃圖念六引歷" +
		"首醫局突專費號盡另周較注語僅考落青隨選列武紅響雖推勢參希古眾構房半節土投某案黑維革劃敵致陳律足態護七興派孩驗責營星夠章音" +
		"跟志底站嚴巴例防族供效續施留講型料終答緊黃絕奇察母京段依批群項故按河米圍江織害鬥雙境客紀採舉殺攻父蘇密低朝友訴止細願千值" +
		"仍男錢破網熱助倒育屬坐帝限船臉職速刻樂否剛威毛狀率甚獨球般普怕彈校苦創假久錯承印晚蘭試股拿腦預誰益陽若哪微尼繼送急血驚傷" +
		"素藥適波夜省初喜衛源食險待述陸習置居勞財環排福納歡雷警獲模充負雲停木游龍樹疑層冷洲衝射略範竟句室異激漢村哈策演簡卡罪判擔" +
		"州靜退既衣您宗積餘痛檢差富靈協角佔配徵修皮揮勝降階審沉堅善媽劉讀啊超免壓銀買皇養伊懷執副亂抗犯追幫宣佛歲航優怪香田鐵控稅" +
		"左右份穿藝背陣草腳概惡塊頓敢守酒島托央戶烈洋哥索胡款靠評版寶座釋景顧弟登貨互付伯慢歐換聞危忙核暗姐介壞討麗良序升監臨亮露" +
		"永呼味野架域沙掉括艦魚雜誤灣吉減編楚肯測敗屋跑夢散溫困劍漸封救貴槍缺樓縣尚毫移娘朋畫班智亦耳恩短掌恐遺固席松秘謝魯遇康慮" +
		"幸均銷鐘詩藏趕劇票損忽巨炮舊端探湖錄葉春鄉附吸予禮港雨呀板庭婦歸睛飯額含順輸搖招婚脫補謂督毒油療旅澤材滅逐莫筆亡鮮詞聖擇" +
		"尋廠睡博勒煙授諾倫岸奧唐賣俄炸載洛健堂旁宮喝借君禁陰園謀宋避抓榮姑孫逃牙束跳頂玉鎮雪午練迫爺篇肉嘴館遍凡礎洞卷坦牛寧紙諸" +
		"訓私莊祖絲翻暴森塔默握戲隱熟骨訪弱蒙歌店鬼軟典欲薩夥遭盤爸擴蓋弄雄穩忘億刺擁徒姆楊齊賽趣曲刀床迎冰虛玩析窗醒妻透購替塞努" +
		"休虎揚途侵刑綠兄迅套貿畢唯谷輪庫跡尤競街促延震棄甲偉麻川申緩潛閃售燈針哲絡抵朱埃抱鼓植純夏忍頁傑築折鄭貝尊吳秀混臣雅振染" +
		"盛怒舞圓搞狂措姓殘秋培迷誠寬宇猛擺梅毀伸摩盟末乃悲拍丁趙尾郵箱碼障帳煩硬碟螢幕鍵鼠覆寄伺"
	commonKo = "이다는의에하고을를가지한서기로사자도대있니수리인시어아나정일해게습요부적들보것과전주그생상마우장라만제성여동문비내소공국" +
		"김이박최정강조윤장임한오서신권황안송류전홍고문양손배백허유남심노하곽성차주우구민진지엄채원천방공현함변염여추도소석선설마길연위표명기반라왕금옥육인맹제모탁국어은편용예경봉사부가복태목형피두감음빈동온시호범좌승간상영준훈희미숙자철혁재아나혜규종" +
		"방학경실중세회연원관구무발유용위데신면했된화개미식물조선후분거저모오되러르스드트터음말씨님안녕감합번호재설청확결처접속류" +
		"메계밀겠까립및와으께려현작업프린네워크버점검객센등록완료늘간파첨삭예약초능할없왜떻좀빨탁알받았못었않"
	commonJa = "会議室予約日本語申訳御願連絡確認件名送信受添付資料来週今明時間場所問題対応修正変更登録設定接続障害印刷機使用方法担当者様" +
		"株式社員部署電話番号住氏返転至急重要報告書見積請求注文発納品何度私彼女自分後以上下大丈夫"
)

type cjkModel struct {
	enc    encoding.Encoding
	common map[rune]bool
	kana   bool
	hangul bool
}

var cjkModels = func() []cjkModel {
	set := func(ss ...string) map[rune]bool {
		m := map[rune]bool{}
		for _, s := range ss {
			for _, r := range s {
				m[r] = true
			}
		}
		return m
	}
	hans, hant := set(commonHans), set(commonHant)
	ja := set(commonJa, commonHans, commonHant)
	return []cjkModel{
		{enc: simplifiedchinese.GB18030, common: hans},
		{enc: traditionalchinese.Big5, common: hant},
		{enc: japanese.ShiftJIS, common: ja, kana: true},
		{enc: japanese.EUCJP, common: ja, kana: true},
		{enc: korean.EUCKR, common: set(commonKo), hangul: true},
	}
}()

// cjkScore is the share of the non-ASCII characters of s that are common
// under m, and how many non-ASCII characters there are.
func (m cjkModel) score(s string) (float64, int) {
	hit, half, n := 0, 0, 0
	for _, r := range s {
		if r < 0x80 {
			continue
		}
		n++
		switch {
		case m.common[r], cjkPunct(r):
			hit++
		case m.kana && (r >= 0x3041 && r <= 0x3096 || r >= 0x30A1 && r <= 0x30FC):
			hit++
		case m.hangul && r >= 0xAC00 && r <= 0xD7A3:
			half++ // a Hangul syllable, even a rare one, is some evidence
		}
	}
	if n == 0 {
		return 0, 0
	}
	return (float64(hit) + float64(half)/2) / float64(n), n
}

// cjkPunct is CJK punctuation and the full-width forms (not the half-width
// katakana, which is what Chinese bytes look like as Shift_JIS).
func cjkPunct(r rune) bool {
	return r >= 0x3000 && r <= 0x303F || r >= 0xFF01 && r <= 0xFF5E || r >= 0xFFE0 && r <= 0xFFE6 ||
		r == 0x00B7 || r == 0x2026 || r >= 0x2018 && r <= 0x201D || r == 0x2014
}

// detectCJK returns the best East Asian reading of b with its score.
func detectCJK(b []byte) (s string, enc encoding.Encoding, score float64, n int) {
	for _, m := range cjkModels {
		t, ok := decodeWith(m.enc, b)
		if !ok {
			continue
		}
		if f, k := m.score(t); k > 0 && f > score {
			s, enc, score, n = t, m.enc, f, k
		}
	}
	return s, enc, score, n
}

// detectSample is how much of a long text the detector weighs; the whole
// text is then decoded once with the charset it chose.
const detectSample = 64 << 10

// detect reads b, which is not UTF-8, by the detector.
func detect(b []byte) (string, string) {
	sample := b
	if len(b) > detectSample {
		// Cut after an ASCII byte, so no multi-byte character is split.
		if i := lastASCII(b[:detectSample]); i > 0 {
			sample = b[:i+1]
		}
	}
	if s, enc, f, n := detectCJK(sample); enc != nil && f >= 0.6 && (n >= 3 || n >= 2 && !latinLike(sample)) {
		if len(sample) < len(b) {
			s, _ = decodeWith(enc, b)
		}
		return s, charsetName(enc)
	}
	enc := singleByte(sample)
	s, _ := decodeWith(enc, b)
	return s, charsetName(enc)
}

func lastASCII(b []byte) int {
	for i := len(b) - 1; i >= 0; i-- {
		if b[i] < 0x80 {
			return i
		}
	}
	return -1
}

// plausible tells whether s, a declared charset's reading of the
// undeclared bytes b, is believable: an East Asian one must look like its
// language, a single-byte one must not hide a confident East Asian reading.
func plausible(enc encoding.Encoding, b []byte, s string) bool {
	for _, m := range cjkModels {
		if m.enc == enc {
			f, n := m.score(s)
			return n > 0 && f >= 0.4
		}
	}
	if _, ok := enc.(*charmap.Charmap); ok {
		if _, cjk, f, n := detectCJK(b); cjk != nil && f >= 0.8 && n >= 4 {
			return false
		}
	}
	return true
}

// latinLike reports bytes whose high bytes each sit next to an ASCII
// letter, alone, as accented letters of a Latin script do.
func latinLike(b []byte) bool {
	for i, c := range b {
		if c < 0x80 {
			continue
		}
		if i > 0 && b[i-1] >= 0x80 || i+1 < len(b) && b[i+1] >= 0x80 {
			return false
		}
		if !(i > 0 && asciiLetter(b[i-1]) || i+1 < len(b) && asciiLetter(b[i+1])) {
			return false
		}
	}
	return true
}

func asciiLetter(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }

// singleByte picks the Windows code page of 8-bit text: Cyrillic when most
// letters are high bytes in runs (no Latin language writes so), Central
// European when a byte that is a letter only there sits after a letter,
// else Windows-1252.
func singleByte(b []byte) encoding.Encoding {
	letters, high, run, maxRun, central := 0, 0, 0, 0, false
	for i, c := range b {
		switch {
		case asciiLetter(c):
			letters++
			run = 0
		case c >= 0xC0 || c == 0xA8 || c == 0xB8:
			letters++
			high++
			run++
			maxRun = max(maxRun, run)
		default:
			run = 0
		}
		if i > 0 && (asciiLetter(b[i-1]) || b[i-1] >= 0xC0) && centralOnly(c, i+1 < len(b) && (asciiLetter(b[i+1]) || b[i+1] >= 0xC0)) {
			central = true
		}
	}
	switch {
	case high*2 > letters && maxRun >= 3:
		return charmap.Windows1251
	case central:
		return charmap.Windows1250
	}
	return charmap.Windows1252
}

// centralOnly: c is a letter in Windows-1250 and a symbol (or nothing) in
// Windows-1252; some symbols also end words in 1252 text, so they count
// only before another letter.
func centralOnly(c byte, letterAfter bool) bool {
	switch c {
	case 0x8C, 0x8D, 0x8F, 0x9C, 0x9D, 0x9F, 0xB3, 0xB9, 0xBF, 0xAF:
		return true
	case 0xA3, 0xA5, 0xBC, 0xBE:
		return letterAfter
	}
	return false
}
