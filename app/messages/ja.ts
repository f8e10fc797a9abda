/**
 * Kizuna's Japanese strings. Every English key must be here (the type says so); on top,
 * metric definitions (`metric.<id>.text` / `.base`, with the definition's params) and the
 * segments' names and recommended actions, by id.
 */
import type { Message, MessageKey } from "./en";

const messages: Record<MessageKey, Message> = {
  "nav.dashboard": "ダッシュボード",
  "nav.segments": "セグメント",
  "nav.cohorts": "コホート",
  "nav.migration": "顧客移行",
  "nav.continuation": "継続率",
  "nav.ltv": "予測LTV",
  "nav.settings": "設定",

  "common.save": "保存",
  "common.discard": "破棄",
  "common.cancel": "キャンセル",
  "common.edit": "編集",
  "common.delete": "削除",
  "common.total": "合計",

  "status.title": "データの状態",
  "status.lastUpdated": "最終更新 {when}",
  "status.neverUpdated": "まだ計算されていません",
  "status.dataThrough": "{date}までの注文",
  "status.idle": "最新の状態です。毎晩と新しい注文の少し後に再計算します。",
  "status.backfilling": "Shopifyから注文履歴を取り込んでいます",
  "status.records": "{total}件中{done}件",
  "status.starting": "開始しています…",
  "status.reconciling": "前回の取り込み以降の変更をShopifyで確認しています",
  "status.computing": "数値を再計算しています",
  "status.queued": "再計算が予約されており、まもなく始まります。",
  "status.queuedAfterBackfill": "取り込みが終わりしだい数値を計算します。",
  "status.details": "技術的な詳細",
  "status.syncFailed.title": "Shopifyからの注文の取り込みに失敗しました",
  "status.syncFailed.body":
    "注文を最後まで読み込めませんでした。自動で再試行します。表示中の数値は最後に成功した取り込みのものです。",
  "status.computeFailed.title": "前回の再計算に失敗しました",
  "status.computeFailed.body":
    "数値を更新できませんでした。下の数値は最後に成功した計算のものです。次回の夜間更新で再試行します。",
  "status.computeRetry.title": "再計算を再試行します",
  "status.computeRetry.body":
    "前回の試行は完了しませんでした。数分後に自動で再試行します。操作は不要です。",

  "empty.backfill.title": "注文履歴を取り込んでいます",
  "empty.backfill.body":
    "Shopifyから注文と顧客を読み込んでいます。取り込みと最初の計算が終わるとここに数値が表示されます。大きなショップでは時間がかかることがあります。",
  "empty.computing.title": "数値を計算しています",
  "empty.computing.body":
    "注文の取り込みは完了しました。セグメント、コホート、予測を計算しています。",
  "empty.none.title": "まだ数値がありません",
  "empty.none.body":
    "最初の計算の後に数値が表示されます。計算はインストール後に自動で始まり、毎晩実行されます。",

  "dashboard.title": "ダッシュボード",
  "dashboard.summary": "ショップの概要",
  "dashboard.customers": "購入顧客数",
  "dashboard.orders": "注文数",
  "dashboard.revenue": "純売上",
  "dashboard.range": "注文期間",
  "dashboard.tiny.title": "小規模なショップです：数値は参考程度にご覧ください",
  "dashboard.tiny.body":
    "購入した顧客はまだ{customers}人です。率は注文ごとに大きく動き、予測にはもっと多くのリピーターが必要です。",

  "kpi.pass": "目標達成",
  "kpi.fail": "目標未達",
  "kpi.noData": "データなし",
  "kpi.target": "目標 {target}",
  "kpi.noTarget": "目標未設定",
  "kpi.previous": "前回の計算：{value}",
  "kpi.trend": "{name}の推移（{from}〜{to}）",

  "metric.info.button": "定義",
  "metric.info.label": "{name}の計算方法",
  "metric.info.period": "期間：{period}",
  "metric.info.base": "母数：{base}",
  "metric.info.counts": "{denominator}中{numerator}",

  "metric.repeat_rate.name": "リピート率",
  "metric.second_purchase_survival.name": "定期2回目継続率",
  "metric.f2_conversion.name": "F2転換率",
  "metric.monthly_churn_rate.name": "月次離脱率",
  "metric.model_churn_share.name": "離脱見込み（モデル）",
  "metric.yoy_retention.name": "顧客維持率（前年比）",
  "metric.nps.name": "NPS",
  "metric.average_historical_ltv.name": "平均LTV（実績）",
  "metric.average_predicted_clv.name": "平均予測LTV",
  "metric.cac.name": "顧客獲得単価（CAC）",
  "metric.ltv_cac_ratio.name": "LTV:CAC",
  "metric.payback_months.name": "CAC回収期間",

  "segment.none.name": "セグメントなし",

  "segments.title": "セグメント",
  "segments.grid.title": "R × FM グリッド",
  "segments.grid.help":
    "{date}までの全購入でスコア付けした{customers}人の顧客。行：最新購入日スコア（5 = 最も最近購入）。列：購入頻度スコアと購入金額スコアの平均。",
  "segments.grid.corner": "R \\ FM",
  "segments.grid.byCustomers": "顧客数",
  "segments.grid.byRevenue": "売上",
  "segments.grid.cell": "{segment} · R{r} FM {fm}：{customers}人、{revenue}",
  "segments.table.title": "セグメント一覧",
  "segments.table.help":
    "セグメント内の顧客1人あたりの平均です。予測LTVとP(alive)はBG/NBDモデルとGamma-Gammaモデルによるものです。",
  "segments.table.noClv":
    "予測LTVとP(alive)にはもっと多くのリピーターが必要です。モデルを推定できるようになると表示されます。",
  "segments.table.segment": "セグメント",
  "segments.table.customers": "顧客数",
  "segments.table.revenueShare": "売上構成比",
  "segments.table.aov": "平均注文単価",
  "segments.table.clv": "平均予測LTV",
  "segments.table.pAlive": "平均P(alive)",
  "segments.table.nps": "NPS",
  "segments.table.npsAnswers": "過去12か月の回答{count}件",
  "segments.table.action": "推奨施策",
  "segments.action.custom": "独自の施策",
  "segments.action.editTitle": "{name}の推奨施策",
  "segments.action.label": "推奨施策",
  "segments.action.help": "空欄にするとKizunaの提案（薄い文字）を使います。",
  "segments.action.reset": "Kizunaの提案に戻す",
  "segments.action.saved": "推奨施策を保存しました",

  "drill.subtitle": "{customers}人の顧客",
  "drill.export": "CSVエクスポート",
  "drill.exported": "CSVをダウンロードしました",
  "drill.exportFailed": "エクスポートに失敗しました。もう一度お試しください。",
  "drill.customerShare": "顧客構成比",
  "drill.customer": "顧客",
  "drill.customerSingular": "顧客",
  "drill.customerPlural": "顧客",
  "drill.rfm": "R-F-M",
  "drill.recency": "最終購入",
  "drill.daysAgo": "{days}日前",
  "drill.frequency": "購入回数",
  "drill.monetary": "純売上",
  "drill.pAlive": "P(alive)",
  "drill.expected90": "90日間の予測購入数",
  "drill.clv": "予測LTV",
  "drill.notFound.title": "このセグメントは存在しません",
  "drill.notFound.body":
    "このリンクが作られた後にセグメントのルールが変わった可能性があります。一覧からセグメントを選んでください。",
  "drill.notFound.back": "セグメント一覧",
  "drill.page": "{pages}ページ中{page}ページ目",
  "drill.privacy":
    "Kizunaは氏名や連絡先を保存しません。顧客をShopify管理画面で開くと誰かを確認できます。",

  "cohorts.title": "コホート",
  "cohorts.heatmap.title": "初回購入月別の継続状況",
  "cohorts.heatmap.help":
    "各行はその月に初回購入した顧客です。M1はその翌月です。全{total}コホートのうち新しい{shown}件を表示しています。",
  "cohorts.measure": "表示",
  "cohorts.measure.share": "購入継続率",
  "cohorts.measure.revenue": "顧客あたり累計売上",
  "cohorts.months": "月数",
  "cohorts.cohort": "コホート",
  "cohorts.size": "顧客数",
  "cohorts.nps": "NPS",
  "cohorts.partial": "月の途中",
  "cohorts.curve.title": "顧客あたり累計売上",
  "cohorts.curve.help":
    "初回購入月からの顧客1人あたり純売上の累計。新しいコホートと全コホート合算（破線）。",
  "cohorts.curve.pooled": "全コホート",

  "migration.title": "顧客移行",
  "migration.yoy.title": "昨年 → 今年",
  "migration.yoy.periods": "今年：{current}。昨年：{previous}。",
  "migration.ofBase": "{denominator}人中{numerator}人",
  "migration.previous.title": "昨年の購入顧客（{period}）",
  "migration.current.title": "今年の購入顧客（{period}）",
  "migration.buyers": "顧客数",
  "migration.retained": "今年も購入",
  "migration.revenue": "純売上",
  "migration.new": "新規",
  "migration.existing": "既存",
  "migration.retainedBuyers": "継続",
  "migration.reactivated": "復帰",
  "migration.matrix.title": "1年前のセグメント → 現在のセグメント",
  "migration.matrix.help":
    "{from}時点の各セグメントの顧客が{to}時点でどこにいるか。色の濃さ：行内の割合。",
  "migration.matrix.corner": "当時 \\ 現在",
  "migration.matrix.total": "顧客数",
  "migration.matrix.cell": "{from} → {to}：{customers}人（{share}）、{revenue}",
  "migration.notYet": "未購入",
  "migration.matrix.titleDates": "{from}のセグメント → {to}のセグメント",
  "migration.dates.title": "2つの日付を比較",
  "migration.dates.help":
    "1つ目の日付のセグメント → 2つ目の日付のセグメント。前年比：1つ目の日付の翌日から2つ目の日付までを、1年前の同じ期間と比べます（日付の間隔は1年以内）。日付は{zone}基準です。",
  "migration.dates.from": "1つ目の日付",
  "migration.dates.to": "2つ目の日付",
  "migration.dates.apply": "比較",
  "migration.dates.reset": "直近12か月",
  "migration.dates.custom": "保存済みの注文から、選んだ日付でいま計算した数値です。",
  "migration.error.required": "日付を選んでください",
  "migration.error.date": "YYYY-MM-DD形式で日付を入力してください",
  "migration.error.tooEarly": "{min}以降の日付を選んでください",
  "migration.error.future": "{max}以前の日付を選んでください（今日より後のデータはありません）",
  "migration.error.order": "1つ目の日付より後の日付にしてください",
  "migration.error.tooLong": "1つ目の日付から1年以内（{max}以前）にしてください",

  "continuation.title": "継続率",
  "continuation.all.title": "購入回数別の到達率",
  "continuation.all.help":
    "初回購入月のコホートごとに、これまでに少なくともn回購入した顧客の割合。新しいコホートはまだ購入回数を重ねる時間がありません。",
  "continuation.sub.title": "定期購入の継続率",
  "continuation.sub.help":
    "定期購入の顧客{customers}人：n回目のお届けまで継続しているコホート内の割合と、モデルによる予測（赤）。",
  "continuation.purchaseN": "{n}回目",
  "continuation.deliveryN": "{n}回目",
  "continuation.pooled": "全コホート",
  "continuation.pooledLine": "全{customers}人のうち{second}が2回目の購入をしました。",
  "continuation.pooledLineSub":
    "全{customers}人の定期購入者のうち、これまでに{second}が2回目のお届けまで継続しました。",
  "continuation.cell": "{cohort}、{n}：{customers}人（{share}）",
  "continuation.noSubscriptions":
    "このショップには定期購入の注文がないため、定期購入の継続曲線はありません。",
  "continuation.sbg.title": "定期購入モデル（シフテッド・ベータ幾何分布）",
  "continuation.sbg.projection": "モデルの予測",
  "continuation.sbg.help": "{cohorts}の月次コホート、{subscribers}人の定期購入者で推定しました。",
  "continuation.sbg.lifetime": "期待継続回数：{deliveries}回。",
  "continuation.sbg.lifetimeInfinite":
    "定期購入者の多くが非常に継続的なため、期待継続回数は有限の平均を持ちません（モデル期間内で{horizon}回）。",
  "continuation.sbg.insufficient": "モデルに必要な定期購入者がまだ足りません",
  "continuation.sbg.insufficientBody":
    "定期購入者は現在{subscribers}人です。モデルには2か月以上経過したコホートで30人以上が必要です。",

  "ltv.title": "予測LTV",
  "ltv.horizon": "今後{months}か月（割引後）",
  "ltv.pAlive": "平均P(alive)",
  "ltv.modelChurn": "{share}が離脱見込み",
  "ltv.expected90": "今後90日間の予測購入数",
  "ltv.expected90.total": "合計{total}件",
  "ltv.totalClv": "全顧客の予測LTV：{total}",
  "ltv.dist.clv": "顧客ごとの予測LTV",
  "ltv.dist.pAlive": "顧客がまだアクティブである確率",
  "ltv.dist.bin": "{range}：{customers}人",
  "ltv.scenario.title": "継続率改善シナリオ",
  "ltv.scenario.help":
    "購入ごとの離脱がもっと少なかった場合の、今後{months}か月の予測LTVと売上の変化。",
  "ltv.scenario.reduction": "離脱率の改善幅",
  "ltv.scenario.points": "{points}ポイント",
  "ltv.scenario.dropout": "購入ごとの離脱確率",
  "ltv.scenario.clvGain": "予測LTV",
  "ltv.scenario.revenueGain": "売上",
  "ltv.params.title": "モデルのパラメータ",
  "ltv.params.converged": "収束",
  "ltv.params.notConverged": "未収束",
  "ltv.params.help": "BG/NBDを{customers}人の顧客で推定（時間単位：{unit}）、{date}までのデータ。",
  "ltv.params.parameter": "パラメータ",
  "ltv.params.estimate": "推定値",
  "ltv.params.se": "標準誤差",
  "ltv.params.noGammaGamma":
    "Gamma-Gamma購入金額モデルにはリピーターが少なすぎるため、ショップの平均注文単価を使っています。",
  "ltv.unit.day": "日",
  "ltv.unit.week": "週",
  "ltv.holdout.title": "ホールドアウト精度",
  "ltv.holdout.help":
    "{from}までのデータでモデルを推定し直し、{to}までの{days}日間を{customers}人について予測させました。",
  "ltv.holdout.model": "モデル",
  "ltv.holdout.naive": "単純推定",
  "ltv.holdout.totals": "予測{predicted}件、実績{actual}件（誤差{error}）。",
  "ltv.holdout.byFrequency": "過去の購入回数別のホールドアウト期間の購入数",
  "ltv.holdout.predicted": "予測",
  "ltv.holdout.actual": "実績",
  "ltv.holdout.insufficient": "注文履歴が短いため、まだホールドアウト検証ができません。",
  "ltv.insufficient.title": "予測に必要なデータがまだ足りません",
  "ltv.insufficient.body":
    "予測には2回以上購入した顧客が{required}人以上必要です。このショップは{customers}人中{repeat}人です。",
  "ltv.insufficient.historical": "これまでの平均LTV：{value}。",

  "settings.title": "設定",
  "settings.saved": "設定を保存しました",
  "settings.savedRecompute": "設定を保存しました。数値を再計算しています。",
  "settings.jobsUnavailable":
    "保存しましたが、バックグラウンド処理を登録できませんでした。次回の夜間更新で実行されます。",
  "settings.invalid": "赤で示された項目を修正してください",
  "settings.targets.title": "KPI目標",
  "settings.targets.description":
    "ダッシュボードで各KPIの目標達成・未達を表示します。初期値は日本の通販のベンチマークです。",
  "settings.targets.repeatRate": "リピート率",
  "settings.targets.secondPurchaseSurvival": "定期2回目継続率",
  "settings.targets.monthlyChurn": "月次離脱率",
  "settings.targets.nps": "NPS",
  "settings.targets.min": "この値以上で目標達成",
  "settings.targets.max": "この値以下で目標達成",
  "settings.windows.title": "定義",
  "settings.windows.description":
    "離脱、F2、LTV:CAC、予測の前提となる期間と仮定です。変更すると数値を再計算します。",
  "settings.churnInactivityDays": "離脱とみなす無購入期間",
  "settings.churnInactivityDays.help": "30〜730日",
  "settings.f2WindowDays": "F2判定期間",
  "settings.subscriptionWindowDays": "定期2回目の判定期間",
  "settings.grossMarginRatio": "粗利率",
  "settings.grossMarginRatio.help": "LTV:CACと回収期間に使います",
  "settings.clvHorizonMonths": "予測期間",
  "settings.annualDiscountRate": "年間割引率",
  "settings.unit.days": "日",
  "settings.unit.months": "か月",
  "settings.tags.title": "顧客タグ",
  "settings.tags.description":
    "各顧客のセグメントをタグとしてShopifyに書き込み、メール、割引、Flowで使えるようにします。変更するのはKizunaのタグだけです。",
  "settings.tags.enabled": "セグメントタグをShopifyに同期する",
  "settings.tags.enabledHelp": "顧客に{example}のようなタグが付きます。",
  "settings.tags.prefix": "タグの接頭辞",
  "settings.tags.prefixHelp": "英数字と _ - : . /（40文字まで）",
  "settings.tags.prefixLocked":
    "接頭辞を変更するには、タグ同期をオフにしてください（現在のタグは削除されます）。",
  "settings.tags.confirmTitle": "タグ同期をオフにしますか？",
  "settings.tags.confirmBody":
    "Shopifyの{customers}人の顧客から、Kizunaのタグ（「{prefix}」で始まるもの）を削除します。ご自身で付けたタグには触れません。",
  "settings.tags.confirmBodyCounting":
    "Shopifyの顧客から、Kizunaのタグ（「{prefix}」で始まるもの）を削除します。ご自身で付けたタグには触れません。",
  "settings.tags.confirmButton": "オフにしてタグを削除",
  "settings.nightly.title": "夜間更新",
  "settings.nightly.description": "毎晩この時刻（{zone}）に変更を読み込み、再計算します。",
  "settings.nightly.hour": "時刻",

  "spend.title": "広告宣伝費",
  "spend.description":
    "月・チャネルごとの費用（{currency}）。顧客獲得単価（CAC）とLTV:CACの計算に使います。",
  "spend.add": "費用を追加・更新",
  "spend.month": "月",
  "spend.channel": "チャネル",
  "spend.amount": "金額",
  "spend.row": "行",
  "spend.addButton": "保存",
  "spend.added": "費用を保存しました",
  "spend.deleted": "費用を削除しました",
  "spend.deleteLabel": "{month}の{channel}を削除",
  "spend.import": "CSVファイルを取り込む",
  "spend.importHelp":
    "列は month（YYYY-MM）、channel、amount（または 月、チャネル、金額）。同じ月とチャネルの既存の費用は置き換えます。1行でも問題があれば何も保存しません。",
  "spend.file": "CSVファイル",
  "spend.chooseFile": "ファイルを選択",
  "spend.dropHint": "または.csvファイルをドロップ",
  "spend.importButton": "取り込む",
  "spend.imported": "{count}件を取り込みました",
  "spend.importFailed": "取り込みませんでした：問題が{count}件あります",
  "spend.rowError": "{line}行目、{field}：{message}",
  "spend.empty": "費用はまだ登録されていません。",

  "errors.required": "入力してください",
  "errors.number": "数値を入力してください",
  "errors.integer": "整数を入力してください",
  "errors.min": "{min}以上にしてください",
  "errors.max": "{max}以下にしてください",
  "errors.invalid": "値が正しくありません",
  "errors.prefix": "英数字と _ - : . / を1〜40文字で入力してください",
  "errors.prefixLocked": "接頭辞を変更する前にタグ同期をオフにしてください",
  "errors.confirmTagRemoval": "Kizunaのタグを削除することを確認してください",
  "errors.noShop": "ショップの準備ができていません。アプリを再読み込みしてお試しください。",
  "errors.notFound": "その項目はもう存在しません",
  "errors.month": "2026-01のような月を入力してください",
  "errors.tooLong": "{max}文字以内にしてください",
  "errors.amount": "12000や1234.50のような金額を入力してください",
  "errors.decimals": "{currency}には小数点以下の桁が多すぎます",
  "errors.negative": "マイナスにはできません",
  "errors.amountTooLarge": "金額が大きすぎます",
  "errors.csvSyntax": "CSVとして読み込めないファイルです",
  "errors.csvEmpty": "ファイルに費用がありません",
  "errors.csvHeader": "1行目に列名 month、channel、amount が必要です",
  "errors.csvTooMany": "1ファイル{max}行までです",
  "errors.csvTooBig": "ファイルが{max}を超えています",
  "errors.csvDuplicate": "{first}行目と同じ月とチャネルです",
  "errors.actionTooLong": "{max}文字以内にしてください",
  "errors.unknownSegment": "このセグメントはもう存在しません",
};

/** Definitions by metric id; {params} are the definition's own (ratios also as …Percent). */
const metrics: Record<string, Message> = {
  "metric.repeat_rate.text":
    "期間中に購入した顧客のうち、期間末までに通算2回以上購入した顧客の割合（同じ日の注文は1回の購入と数えます）。",
  "metric.repeat_rate.base": "期間中に1回以上購入した顧客",
  "metric.repeat_rate_within_period.name": "期間内リピート率",
  "metric.repeat_rate_within_period.text":
    "期間中に購入した顧客のうち、期間内に2回以上購入した顧客の割合（同じ日の注文は1回の購入と数えます）。",
  "metric.repeat_rate_within_period.base": "期間中に1回以上購入した顧客",
  "metric.f2_conversion.text":
    "期間中に初回購入した顧客のうち、初回から{windowDays}日以内に2回目の購入（別の日）をした顧客の割合。",
  "metric.f2_conversion.base":
    "期間中に初回購入し、かつ基準日の{windowDays}日以上前に初回購入した顧客",
  "metric.second_purchase_survival.text":
    "期間中に定期購入を始めた顧客のうち、{windowDays}日以内に2回目の定期注文（別の日）があった顧客、つまり2回目のお届けまで継続した顧客の割合。",
  "metric.second_purchase_survival.base":
    "期間中に初回の定期注文があり、基準日の{windowDays}日以上前に始めた顧客",
  "metric.monthly_churn_rate.text":
    "各月の初めにアクティブ（直近{inactivityDays}日以内に購入）だった顧客のうち、月末にアクティブでなくなった顧客の割合。{months}か月分を、離脱した顧客月の合計÷アクティブな顧客月の合計で平均しています。",
  "metric.monthly_churn_rate.base": "各月の初めにアクティブだった顧客（月ごとの合計）",
  "metric.churn_rate.name": "離脱率",
  "metric.churn_rate.text":
    "期間の初めにアクティブ（直近{inactivityDays}日以内に購入）だった顧客のうち、期間末にアクティブでなくなった顧客の割合。",
  "metric.churn_rate.base": "期間の初めの{inactivityDays}日間に購入した顧客",
  "metric.model_churn_share.text":
    "BG/NBDモデルによる「まだアクティブである確率」（P(alive)）が{threshold}未満の顧客の割合。",
  "metric.model_churn_share.base": "P(alive)が推定できた顧客",
  "metric.yoy_retention.text":
    "1年前の同じ期間に購入した顧客のうち、今期も購入した顧客の割合（顧客維持率）。",
  "metric.yoy_retention.base": "1年前の同じ期間に購入した顧客",
  "metric.yoy_migration_new.name": "新規顧客の移行率",
  "metric.yoy_migration_new.text":
    "1年前の同じ期間に初回購入した顧客のうち、今期も購入した顧客の割合。",
  "metric.yoy_migration_new.base": "1年前の同じ期間に初回購入した顧客",
  "metric.yoy_migration_existing.name": "既存顧客の移行率",
  "metric.yoy_migration_existing.text":
    "1年前の同じ期間に購入した既存顧客（それ以前に初回購入済み）のうち、今期も購入した顧客の割合。",
  "metric.yoy_migration_existing.base": "1年前の同じ期間に購入し、それ以前にも購入していた顧客",
  "metric.nps.text": "推奨者（9〜10点）の割合から批判者（0〜6点）の割合を引いた値。−100から100。",
  "metric.nps.base": "期間中に受け取った0〜10点の回答",
  "metric.average_historical_ltv.text":
    "基準日までの全購入（キャンセル・テストを除く）の返金後純売上を、購入した顧客数で割った値。",
  "metric.average_historical_ltv.base": "基準日までに1回以上購入した顧客",
  "metric.average_predicted_clv.text":
    "今後{horizonMonths}か月の各顧客の購入による期待純売上（購入回数はBG/NBD、注文単価はGamma-Gammaまたはショップ平均）を年率{annualDiscountRatePercent}%で割り引き、顧客で平均した値。",
  "metric.average_predicted_clv.base": "基準日までに1回以上購入した顧客",
  "metric.cac.text": "期間の広告宣伝費を、期間中に初回購入した顧客数で割った値。",
  "metric.cac.base": "期間中に初回購入（キャンセル・テストを除く）した顧客",
  "metric.cac_channel.name": "チャネル別顧客獲得単価",
  "metric.ltv_cac_ratio.text":
    "顧客生涯価値（初回購入月からの顧客あたり累計純売上）に粗利率{grossMarginRatioPercent}%を掛け、顧客獲得単価で割った値。",
  "metric.ltv_cac_ratio.base": "新規顧客1人あたりの獲得単価",
  "metric.payback_months.text":
    "顧客あたり累計純売上×粗利率{grossMarginRatioPercent}%が顧客獲得単価を上回るまでの、初回購入月からの月数（0 = 初回購入月のうちに回収）。",
  "metric.payback_months.base": "初回購入コホートの顧客あたり累計純売上（実績）",
  "metric.cohort_active_share.name": "購入継続率",
  "metric.cohort_active_share.text":
    "コホートの顧客のうち、初回購入月からk か月後の月に1回以上購入（キャンセル・テストを除く）した顧客の割合。",
  "metric.cohort_active_share.base": "その月に初回購入した顧客",
  "metric.cohort_cumulative_net_per_customer.name": "顧客あたり累計純売上",
  "metric.cohort_cumulative_net_per_customer.text":
    "初回購入月からkか月後までのコホートの返金後純売上を、コホートの人数で割った値（実績LTV）。",
  "metric.cohort_cumulative_net_per_customer.base": "その月に初回購入した顧客",
  "metric.historical_ltv_curve.name": "実績LTV曲線",
  "metric.historical_ltv_curve.text":
    "各kについて、kか月後の月が終わった全コホートの、初回購入月からkか月後までの返金後純売上の合計を、それらのコホートの顧客数で割った値。",
  "metric.historical_ltv_curve.base": "初回購入からkか月後の月が終わったコホートの顧客",
  "metric.continuation.name": "購入回数別の継続率",
  "metric.continuation.text":
    "各nについて、基準日までに少なくともn回購入した（同じ日の注文は1回）コホート内の顧客の割合。",
  "metric.continuation.base": "その月に初回購入した顧客",
  "metric.continuation_subscription.name": "定期購入の継続率",
  "metric.continuation_subscription.text":
    "各nについて、基準日までに少なくともn回定期注文をしたコホート内の顧客の割合。",
  "metric.continuation_subscription.base": "その月に初回の定期注文をした顧客",
};

const segments: Record<string, Message> = {
  "segment.champions.name": "優良顧客",
  "segment.loyal.name": "ロイヤル顧客",
  "segment.potential_loyalist.name": "ロイヤル候補",
  "segment.new.name": "新規顧客",
  "segment.promising.name": "有望顧客",
  "segment.need_attention.name": "要注意顧客",
  "segment.about_to_sleep.name": "休眠予備軍",
  "segment.cant_lose_them.name": "失いたくない顧客",
  "segment.at_risk.name": "離脱危険顧客",
  "segment.hibernating.name": "休眠顧客",
  "segment.lost.name": "離脱顧客",
  "segment.champions.action":
    "特別扱いで報いる：新商品の先行案内、ロイヤルティ特典や紹介プログラム、レビューの依頼。割引は不要です。",
  "segment.loyal.action":
    "アップセル・クロスセル：より高価格帯の商品や関連商品をおすすめし、会員プログラムや定期購入に誘う。",
  "segment.potential_loyalist.action":
    "購入習慣をつくる：セット販売、いつもの購入額を少し上回る送料無料ライン、前回の購入に基づくおすすめ。",
  "segment.new.action":
    "歓迎する：使い方や活用法のコンテンツを届け、最初の数週間のうちに2回目の購入を促す特典を用意する。",
  "segment.promising.action":
    "再購入オファー：期間限定クーポンや関連商品のサンプルで、1回の購入を2回目につなげる。",
  "segment.need_attention.action":
    "離れる前に再接触：パーソナライズしたおすすめと、いつもの商品の期間限定オファー。",
  "segment.about_to_sleep.action":
    "再活性化：購入した商品のリマインド、人気商品の紹介、控えめなオファー。",
  "segment.cant_lose_them.action":
    "個別に呼び戻す：以前購入していた商品への強いオファー、短いアンケート、競合に取られる前の個別メッセージ。",
  "segment.at_risk.action":
    "ウィンバック施策：パーソナライズしたリマインド、リピート・継続のオファー、過去の購入に役立つコンテンツ。",
  "segment.hibernating.action":
    "低コストで再活性化：季節のキャンペーンにだけ含め、大きな費用はかけない。",
  "segment.lost.action": "最後の呼び戻しを一度だけ。反応がなければ有料のターゲティングを止める。",
};

export const jaMessages: Readonly<Record<string, Message>> = {
  ...messages,
  ...metrics,
  ...segments,
};
