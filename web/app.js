// The precincts map page. Everything comes from this server: MapLibre GL JS (embedded), the
// vector tiles (/api/tiles), the JSON API. No online basemap, no fonts or glyphs from outside:
// labels are HTML markers.
import * as maplibregl from '/static/maplibre-gl.mjs';

const ORIGIN = window.location.origin;

// ---------------------------------------------------------------- strings (kk / ru / en)
const I18N = {
  title: { kk: 'Сайлау учаскелері', ru: 'Избирательные участки', en: 'Polling precincts' },
  search_placeholder: { kk: 'Учаске №, ҚАТО, мекенжай…', ru: '№ участка, КАТО, адрес…', en: 'Precinct no., KATO, address…' },
  tab_flagged: { kk: 'Ескертулер', ru: 'Замечания', en: 'Flagged' },
  tab_recon: { kk: 'Салыстыру', ru: 'Сверка', en: 'Reconciliation' },
  tab_stats: { kk: 'Статистика', ru: 'Статистика', en: 'Statistics' },
  filter_code: { kk: 'Ескерту', ru: 'Замечание', en: 'Finding' },
  filter_unit: { kk: 'ӘАБ', ru: 'АТЕ', en: 'Unit' },
  sort_by: { kk: 'Сұрыптау', ru: 'Сортировка', en: 'Sort' },
  all: { kk: 'Барлығы', ru: 'Все', en: 'All' },
  sort_load: { kk: 'Жүктеме', ru: 'Загрузка', en: 'Load' },
  sort_precinct: { kk: 'Нөмір', ru: 'Номер', en: 'Number' },
  sort_findings: { kk: 'Ескертулер саны', ru: 'Число замечаний', en: 'Number of findings' },
  sort_outside: { kk: 'Шектен тыс үлесі', ru: 'Доля вне АТЕ', en: 'Share outside unit' },
  sort_voters: { kk: 'Сайлаушылар', ru: 'Избиратели', en: 'Voters' },
  col_precinct: { kk: 'Учаске', ru: 'Участок', en: 'Precinct' },
  col_unit: { kk: 'ӘАБ', ru: 'АТЕ', en: 'Unit' },
  col_load: { kk: 'Жүктеме', ru: 'Загрузка', en: 'Load' },
  col_findings: { kk: 'Ескертулер', ru: 'Замечания', en: 'Findings' },
  flagged_count: { kk: 'Ескертуі бар учаскелер: {n}', ru: 'Участков с замечаниями: {n}', en: 'Flagged precincts: {n}' },
  prev: { kk: '← Алдыңғы', ru: '← Назад', en: '← Previous' },
  next: { kk: 'Келесі →', ru: 'Далее →', en: 'Next →' },
  page: { kk: '{p} / {n} бет', ru: 'стр. {p} из {n}', en: 'page {p} of {n}' },
  close: { kk: 'Жабу', ru: 'Закрыть', en: 'Close' },
  card_title: { kk: '№{n} учаске', ru: 'Участок №{n}', en: 'Precinct {n}' },
  by_polygon: { kk: 'Полигон бойынша сайлаушылар', ru: 'Избирателей по полигону', en: 'Voters by polygon' },
  by_list: { kk: 'Тізім бойынша сайлаушылар', ru: 'Избирателей по списку', en: 'Voters by voter list' },
  by_address_list: { kk: 'Мекенжай тізімі бойынша (басқа тізімдегі мекенжайлармен бірге)', ru: 'По списку адресов (включая адреса из других списков)', en: 'By address list (addresses also in other lists included)' },
  by_address_list_exclusive: { kk: 'Тек осы учаске тізіміндегі мекенжайлар бойынша', ru: 'Только по адресам, которых нет в других списках', en: 'Only addresses in no other list' },
  cap: { kk: 'Шек', ru: 'Предел', en: 'Cap' },
  load: { kk: 'Жүктеме', ru: 'Загрузка', en: 'Load' },
  unit: { kk: 'Әкімшілік-аумақтық бірлік', ru: 'Административно-территориальная единица', en: 'Administrative unit' },
  outside_share: { kk: 'ӘАБ-тан тыс үлесі', ru: 'Доля вне АТЕ', en: 'Share outside the unit' },
  units_touched: { kk: 'Қамтылған ӘАБ', ru: 'Затронутые АТЕ', en: 'Units touched' },
  station: { kk: 'Дауыс беру үй-жайы', ru: 'Помещение для голосования', en: 'Polling station' },
  no_station: { kk: 'Үй-жай жоқ', ru: 'Помещение не указано', en: 'No polling station' },
  findings: { kk: 'Ескертулер', ru: 'Замечания', en: 'Findings' },
  no_findings: { kk: 'Ескерту жоқ', ru: 'Замечаний нет', en: 'No findings' },
  border_entries: { kk: 'Шекара сипаттамасы', ru: 'Описание границ', en: 'Border entries' },
  recon_counts: { kk: 'Салыстыру санаттары', ru: 'Категории сверки', en: 'Reconciliation categories' },
  category: { kk: 'Санат', ru: 'Категория', en: 'Category' },
  total: { kk: 'Барлығы', ru: 'Всего', en: 'Total' },
  no_recon: { kk: 'Бұл есепте салыстыру жоқ.', ru: 'В этом отчёте нет сверки.', en: 'This report has no reconciliation.' },
  per_precinct: { kk: 'Учаскелер бойынша', ru: 'По участкам', en: 'Per precinct' },
  per_unit: { kk: 'Аудандар бойынша', ru: 'По районам', en: 'Per district' },
  lists: { kk: 'Санаттар тізімдері', ru: 'Списки по категориям', en: 'Category lists' },
  rows: { kk: 'жол', ru: 'строк', en: 'rows' },
  reveal: { kk: 'ЖСН толық көрсету', ru: 'Показать ИИН полностью', en: 'Reveal IINs' },
  xlsx_full: { kk: 'reconciliation.xlsx, ЖСН толық', ru: 'reconciliation.xlsx, ИИН полностью', en: 'reconciliation.xlsx, full IINs' },
  reveal_confirm: { kk: 'Жеке деректер: ЖСН толық көрсетілсін бе?', ru: 'Персональные данные: показать ИИН полностью?', en: 'Personal data: show full IINs?' },
  stats_precincts: { kk: 'Учаскелер', ru: 'Участков', en: 'Precincts' },
  stats_flagged: { kk: 'Ескертуі бар', ru: 'С замечаниями', en: 'Flagged' },
  stats_overfull: { kk: 'Шектен асқан', ru: 'Переполненных', en: 'Over the cap' },
  stats_cross: { kk: 'ӘАБ шекарасын кесетін', ru: 'Пересекающих границу АТЕ', en: 'Crossing a unit boundary' },
  stats_findings: { kk: 'Барлық ескертулер', ru: 'Всего замечаний', en: 'All findings' },
  downloads: { kk: 'Жүктеп алу', ru: 'Скачать', en: 'Downloads' },
  legend: { kk: 'Шартты белгілер', ru: 'Условные обозначения', en: 'Legend' },
  lg_load: { kk: 'Жүктеме (сайлаушылар / шек)', ru: 'Загрузка (избиратели / предел)', en: 'Load (voters / cap)' },
  lg_overfull: { kk: 'Шектен асқан учаске', ru: 'Переполненный участок', en: 'Over the cap' },
  lg_cross: { kk: 'ӘАБ шекарасын кесетін учаске', ru: 'Участок пересекает границу АТЕ', en: 'Crosses a unit boundary' },
  lg_outside: { kk: 'ӘАБ-тан тыс бөлігі', ru: 'Часть вне своей АТЕ', en: 'Part outside its unit' },
  lg_overlap: { kk: 'Қабаттасу', ru: 'Перекрытие', en: 'Overlap' },
  lg_gap: { kk: 'Учаскесіз мекенжай (саңылау)', ru: 'Адрес вне участков (разрыв)', en: 'Address in no precinct (gap)' },
  lg_station: { kk: 'Дауыс беру үй-жайы', ru: 'Помещение для голосования', en: 'Polling station' },
  lg_voter: { kk: 'Басқа учаскедегі сайлаушы мекенжайы', ru: 'Адрес избирателя из другого участка', en: 'Address of a voter listed elsewhere' },
  lg_address: { kk: 'Мекенжай нүктесі', ru: 'Адресная точка', en: 'Address point' },
  lg_admin: { kk: 'ӘАБ шекарасы', ru: 'Граница АТЕ', en: 'Unit boundary' },
  accounting: { kk: 'Файлдар есебі', ru: 'Учёт файлов', en: 'Files read' },
  acc_file: { kk: 'Файл', ru: 'Файл', en: 'File' },
  acc_read: { kk: 'Оқылды', ru: 'Прочитано', en: 'Read' },
  acc_accepted: { kk: 'Қабылданды', ru: 'Принято', en: 'Accepted' },
  acc_rejected: { kk: 'Қабылданбады', ru: 'Отклонено', en: 'Rejected' },
  skipped: { kk: 'Орындалмаған тексерулер', ru: 'Пропущенные проверки', en: 'Checks skipped' },
  not_found: { kk: 'Табылмады', ru: 'Не найдено', en: 'Nothing found' },
  error: { kk: 'Қате', ru: 'Ошибка', en: 'Error' },
  yes: { kk: 'иә', ru: 'да', en: 'yes' },
  no: { kk: 'жоқ', ru: 'нет', en: 'no' },
  // the planner
  tab_plan: { kk: 'Жоспар', ru: 'План', en: 'Plan' },
  plan_title: { kk: 'Өзгерістер жоспары', ru: 'План изменений', en: 'Plan of changes' },
  plan_unavailable: { kk: 'Жоспарлау қолжетімсіз', ru: 'Планирование недоступно', en: 'Planning is not available' },
  plan_summary: { kk: 'Шек: {cap} сайлаушы. Ауыстырылған мекенжайлар: {m}.', ru: 'Предел: {cap} избирателей. Перенесено адресов: {m}.', en: 'Cap: {cap} voters. Addresses moved: {m}.' },
  plan_edits: { kk: 'Өзгерістер', ru: 'Изменения', en: 'Edits' },
  plan_no_edits: { kk: 'Әзірге өзгеріс жоқ. Мекенжайларды учаске карточкасынан басқа учаскеге ауыстырыңыз.', ru: 'Изменений пока нет. Адреса переносятся в другой участок из карточки участка.', en: 'No edits yet. Move addresses to another precinct from a precinct\'s card.' },
  col_edit: { kk: '№', ru: '№', en: 'No.' },
  col_target: { kk: 'Қай учаскеге', ru: 'В участок', en: 'To precinct' },
  col_note: { kk: 'Ескертпе', ru: 'Примечание', en: 'Note' },
  col_addresses: { kk: 'Мекенжайлар', ru: 'Адреса', en: 'Addresses' },
  col_applied_title: { kk: 'осы есепте табылғаны / сақталғаны', ru: 'найдено в этом отчёте / сохранено', en: 'found in this report / stored' },
  col_voters: { kk: 'Сайлаушылар', ru: 'Избиратели', en: 'Voters' },
  undo: { kk: 'Болдырмау', ru: 'Отменить', en: 'Undo' },
  undone: { kk: '№{id} өзгеріс болдырылмады.', ru: 'Изменение №{id} отменено.', en: 'Edit {id} undone.' },
  plan_changed: { kk: 'Өзгерген учаскелер', ru: 'Изменённые участки', en: 'Changed precincts' },
  plan_no_changed: { kk: 'Өзгерген учаске жоқ.', ru: 'Изменённых участков нет.', en: 'No precinct has changed.' },
  col_before_planned: { kk: 'Сайлаушылар: бұрын → жоспар', ru: 'Избиратели: было → по плану', en: 'Voters: before → planned' },
  col_units: { kk: 'ӘАБ', ru: 'АТЕ', en: 'Units' },
  flag_over_cap: { kk: 'шектен асады', ru: 'сверх предела', en: 'over the cap' },
  flag_new: { kk: 'жаңа', ru: 'новый', en: 'new' },
  plan_downloads: { kk: 'Жоспарды жүктеп алу', ru: 'Скачать план', en: 'Download the plan' },
  dl_geojson: { kk: 'Жоспар бойынша учаскелер (GeoJSON)', ru: 'Участки по плану (GeoJSON)', en: 'Planned precincts (GeoJSON)' },
  dl_a3: { kk: '3-қосымша, {lang}, {fmt}', ru: 'Приложение 3, {lang}, {fmt}', en: 'Appendix 3, {lang}, {fmt}' },
  lang_ru: { kk: 'орысша', ru: 'на русском', en: 'Russian' },
  lang_kk: { kk: 'қазақша', ru: 'на казахском', en: 'Kazakh' },
  card_plan: { kk: 'Мекенжайлар (жоспар)', ru: 'Адреса (план)', en: 'Addresses (plan)' },
  plan_addr_count: { kk: '{n} мекенжай, {v} сайлаушы (жүктеме {l})', ru: 'Адресов: {n}, избирателей: {v} (загрузка {l})', en: '{n} addresses, {v} voters (load {l})' },
  planned_voters: { kk: 'Жоспар бойынша сайлаушылар', ru: 'Избирателей по плану', en: 'Voters in the plan' },
  planned_load: { kk: 'Жоспар бойынша жүктеме', ru: 'Загрузка по плану', en: 'Load in the plan' },
  planned_before: { kk: 'бұрын {n}', ru: 'было {n}', en: 'was {n}' },
  plan_only: { kk: 'Бұл учаске тек жоспарда бар.', ru: 'Этот участок есть только в плане.', en: 'This precinct exists only in the plan.' },
  select_page: { kk: 'Беттегінің бәрін таңдау', ru: 'Выбрать все на странице', en: 'Select all on this page' },
  col_address: { kk: 'Мекенжай', ru: 'Адрес', en: 'Address' },
  moved_from: { kk: '№{p} учаскеден ауыстырылған', ru: 'перенесён из №{p}', en: 'moved from {p}' },
  moved_from_none: { kk: 'бұрын учаскесіз болған', ru: 'ранее вне участков', en: 'previously in no precinct' },
  no_addresses: { kk: 'Мекенжай жоқ.', ru: 'Адресов нет.', en: 'No addresses.' },
  target_precinct: { kk: 'Қай учаскеге (№)', ru: 'В участок №', en: 'To precinct no.' },
  note_optional: { kk: 'Ескертпе (міндетті емес)', ru: 'Примечание (необязательно)', en: 'Note (optional)' },
  move: { kk: 'Ауыстыру', ru: 'Перенести', en: 'Move' },
  selected_n: { kk: 'Таңдалды: {n}', ru: 'Выбрано: {n}', en: 'Selected: {n}' },
  moved_ok: { kk: '№{p} учаскеге {n} мекенжай ауыстырылды ({v} сайлаушы).', ru: 'В участок №{p} перенесено адресов: {n} (избирателей: {v}).', en: 'Moved {n} addresses ({v} voters) to precinct {p}.' },
  warn_over_cap: { kk: '№{p} учаскеде {n} сайлаушы болады — {cap} шегінен асады.', ru: 'В участке №{p} будет {n} избирателей — больше предела {cap}.', en: 'Precinct {p} would have {n} voters, over the cap of {cap}.' },
  warn_over_cap_plain: { kk: '№{p} учаске сайлаушылар шегінен асады.', ru: 'Участок №{p} превысит предел числа избирателей.', en: 'Precinct {p} would be over the voter cap.' },
  warn_other_unit: { kk: 'Ауыстырылған мекенжайлардың бір бөлігі №{p} учаскенің ӘАБ-ынан тыс жатыр: учаске бір әкімшілік-аумақтық бірліктің ішінде болуы керек.', ru: 'Часть перенесённых адресов лежит вне АТЕ участка №{p}: участок должен оставаться в пределах одной административно-территориальной единицы.', en: 'Some of the moved addresses lie outside the administrative unit of precinct {p}: a precinct stays inside one unit.' },
  warn_other_unit_n: { kk: 'Ауыстырылған мекенжайлардың {n} №{p} учаскенің {unit} ӘАБ-ынан тыс жатыр: учаске бір әкімшілік-аумақтық бірліктің ішінде болуы керек.', ru: 'Перенесённых адресов вне АТЕ {unit} участка №{p}: {n}. Участок должен оставаться в пределах одной административно-территориальной единицы.', en: '{n} of the moved addresses lie outside unit {unit} of precinct {p}: a precinct stays inside one administrative unit.' },
  warn_new_precinct: { kk: '№{p} учаске есепте жоқ: жаңа учаскеге дауыс беру үй-жайы мен әкімдіктің шешімі қажет.', ru: 'Участка №{p} нет в отчёте: новому участку нужны помещение для голосования и решение акимата.', en: 'Precinct {p} is not in the report: a new precinct needs a polling station and a decision of the akimat.' },
  lg_plan_changed: { kk: 'Жоспар бойынша өзгерген учаске', ru: 'Участок, изменённый планом', en: 'Precinct changed by the plan' },
  lg_moved: { kk: 'Ауыстырылған мекенжай', ru: 'Перенесённый адрес', en: 'Moved address' },
};

const state = {
  lang: (localStorage.getItem('precincts.lang') || 'ru'),
  codes: {},          // code -> {title_kk, ...}
  stats: null,
  meta: null,
  admin: [],
  adminByKato: {},
  list: { page: 1, per_page: 50, sort: 'load', order: 'desc', code: '', unit: '', data: null },
  card: null,         // last card JSON
  tab: 'flagged',
  recon: { stats: null, view: 'precinct', category: null, page: 1, reveal: false, data: null, missing: false },
  markers: [],
  plan: { data: null, error: null, msg: null },   // GET /api/plan, last undo message
  cardPlan: null,     // the open card's planned addresses: {no, page, data, selected, target, note, result}
};
if (!['kk', 'ru', 'en'].includes(state.lang)) state.lang = 'ru';

function t(key, vars) {
  const e = I18N[key];
  let s = e ? (e[state.lang] || e.en) : key;
  if (vars) for (const [k, v] of Object.entries(vars)) s = s.replace('{' + k + '}', v);
  return s;
}
function codeTitle(code) {
  const c = state.codes[code];
  return c ? c['title_' + state.lang] : code;
}
function esc(s) {
  return String(s ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c]));
}
function fmtNum(v) {
  if (v === null || v === undefined) return '—';
  return Number(v).toLocaleString(state.lang === 'en' ? 'en-GB' : 'ru-RU');
}
function fmtPct(v) {
  if (v === null || v === undefined) return '—';
  return Math.round(Number(v) * 1000) / 10 + ' %';
}
async function api(path, init) {
  const r = await fetch(path, init);
  const body = await r.json().catch(() => null);
  if (!r.ok) {
    const err = new Error((body && body.error && body.error.message) || r.statusText);
    err.status = r.status;
    throw err;
  }
  return body;
}
// A request that changes something: JSON body, same origin.
function apiSend(method, path, body) {
  const init = { method, headers: {} };
  if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  return api(path, init);
}
const $ = (id) => document.getElementById(id);

// ---------------------------------------------------------------- the map
// The load of a precinct: the plan's (feature-state, set for changed precincts) or the check's.
const LOAD_COLOR = ['interpolate', ['linear'], ['number', ['coalesce', ['feature-state', 'load'], ['get', 'load']], 0],
  0, '#1a9850', 0.5, '#91cf60', 0.8, '#fee08b', 1.0, '#fc8d59', 1.2, '#d73027', 1.5, '#7f0000'];

function style(meta) {
  const sources = {
    data: {
      type: 'vector',
      tiles: [ORIGIN + '/api/tiles/{z}/{x}/{y}.pbf'],
      minzoom: 0,
      maxzoom: 14,
    },
  };
  const layers = [{ id: 'background', type: 'background', paint: { 'background-color': '#f4f1ea' } }];
  const bm = meta.basemap;
  if (bm) {
    if (bm.kind === 'vector') {
      sources.basemap = { type: 'vector', tiles: [ORIGIN + '/basemap/{z}/{x}/{y}'], minzoom: bm.minzoom, maxzoom: bm.maxzoom };
      for (const name of bm.vector_layers) {
        layers.push({ id: 'bm-fill-' + name, type: 'fill', source: 'basemap', 'source-layer': name,
          filter: ['==', ['geometry-type'], 'Polygon'], paint: { 'fill-color': '#e4e0d6', 'fill-opacity': 0.6 } });
        layers.push({ id: 'bm-line-' + name, type: 'line', source: 'basemap', 'source-layer': name,
          paint: { 'line-color': '#c9c3b6', 'line-width': 0.6 } });
      }
    } else {
      sources.basemap = { type: 'raster', tiles: [ORIGIN + '/basemap/{z}/{x}/{y}'], tileSize: 256, minzoom: bm.minzoom, maxzoom: bm.maxzoom };
      layers.push({ id: 'bm-raster', type: 'raster', source: 'basemap' });
    }
  }
  layers.push(
    { id: 'admin-fill', type: 'fill', source: 'data', 'source-layer': 'admin',
      paint: { 'fill-color': ['match', ['get', 'rank'], 1, '#ebe6da', 2, '#efeadf', '#f2eee5'], 'fill-opacity': 0.8 } },
    { id: 'precinct-fill', type: 'fill', source: 'data', 'source-layer': 'precincts',
      paint: { 'fill-color': LOAD_COLOR, 'fill-opacity': 0.55 } },
    { id: 'precinct-line', type: 'line', source: 'data', 'source-layer': 'precincts', minzoom: 6,
      paint: { 'line-color': '#555', 'line-width': ['interpolate', ['linear'], ['zoom'], 6, 0.2, 12, 0.8, 15, 1.2] } },
    { id: 'admin-line', type: 'line', source: 'data', 'source-layer': 'admin',
      paint: { 'line-color': '#6a3d9a', 'line-width': ['match', ['get', 'rank'], 1, 2.5, 2, 1.8, 1.2], 'line-dasharray': [3, 2] } },
    { id: 'outside-fill', type: 'fill', source: 'data', 'source-layer': 'findings',
      filter: ['all', ['==', ['get', 'code'], 'PRECINCT_CROSSES_ADMIN_BOUNDARY'], ['==', ['geometry-type'], 'Polygon']],
      paint: { 'fill-color': '#ff7f00', 'fill-opacity': 0.75 } },
    { id: 'overlap-fill', type: 'fill', source: 'data', 'source-layer': 'findings',
      filter: ['all', ['==', ['get', 'code'], 'PRECINCT_OVERLAP'], ['==', ['geometry-type'], 'Polygon']],
      paint: { 'fill-color': '#984ea3', 'fill-opacity': 0.75 } },
    { id: 'cross-line', type: 'line', source: 'data', 'source-layer': 'precincts',
      filter: ['==', ['get', 'cross_boundary'], true],
      paint: { 'line-color': '#ff7f00', 'line-width': 3 } },
    { id: 'overfull-line', type: 'line', source: 'data', 'source-layer': 'precincts',
      filter: ['==', ['get', 'overfull'], true],
      paint: { 'line-color': '#67000d', 'line-width': 3.5, 'line-dasharray': [2, 1] } },
    { id: 'plan-line', type: 'line', source: 'data', 'source-layer': 'precincts',
      paint: { 'line-color': '#0057b8', 'line-width': 2.5, 'line-dasharray': [1, 1],
        'line-opacity': ['case', ['boolean', ['feature-state', 'changed'], false], 1, 0] } },
    { id: 'address-points', type: 'circle', source: 'data', 'source-layer': 'addresses',
      minzoom: 14, paint: {
        'circle-radius': ['case', ['boolean', ['feature-state', 'moved'], false], 4.5, 2.5],
        'circle-color': ['case', ['boolean', ['feature-state', 'moved'], false], '#00b3b3', '#8c8c8c'],
        'circle-stroke-color': ['case', ['boolean', ['feature-state', 'moved'], false], '#004d4d', '#fff'],
        'circle-stroke-width': ['case', ['boolean', ['feature-state', 'moved'], false], 1.5, 0.5] } },
    { id: 'gap-points', type: 'circle', source: 'data', 'source-layer': 'findings',
      filter: ['all', ['==', ['get', 'code'], 'ADDRESS_IN_NO_PRECINCT'], ['==', ['geometry-type'], 'Point']],
      minzoom: 11, paint: { 'circle-radius': 4, 'circle-color': '#000', 'circle-stroke-color': '#fff', 'circle-stroke-width': 1 } },
    { id: 'voter-points', type: 'circle', source: 'data', 'source-layer': 'findings',
      filter: ['all', ['==', ['get', 'code'], 'VOTER_IN_OTHER_PRECINCT'], ['==', ['geometry-type'], 'Point']],
      minzoom: 13, paint: { 'circle-radius': 4, 'circle-color': '#e7298a', 'circle-stroke-color': '#fff', 'circle-stroke-width': 1 } },
    { id: 'other-points', type: 'circle', source: 'data', 'source-layer': 'findings',
      filter: ['all', ['==', ['geometry-type'], 'Point'],
        ['!', ['in', ['get', 'code'], ['literal', ['ADDRESS_IN_NO_PRECINCT', 'VOTER_IN_OTHER_PRECINCT']]]]],
      minzoom: 12, paint: { 'circle-radius': 3, 'circle-color': '#444' } },
    { id: 'stations', type: 'circle', source: 'data', 'source-layer': 'stations',
      minzoom: 9, paint: { 'circle-radius': ['interpolate', ['linear'], ['zoom'], 9, 2.5, 15, 6], 'circle-color': '#084594', 'circle-stroke-color': '#fff', 'circle-stroke-width': 1.5 } },
    { id: 'selected-line', type: 'line', source: 'data', 'source-layer': 'precincts',
      filter: ['==', ['get', 'precinct'], ''], paint: { 'line-color': '#00e5ff', 'line-width': 4 } },
  );
  return { version: 8, sources, layers };
}

let map;
let mapLoaded = false;

function initialBounds(meta) {
  const b = meta.bounds;
  return b ? [[b[0], b[1]], [b[2], b[3]]] : [[46, 40], [88, 56]];
}

function initMap(meta) {
  map = new maplibregl.Map({
    container: 'map',
    style: style(meta),
    bounds: initialBounds(meta),
    fitBoundsOptions: { padding: 20 },
    maxZoom: 19,
    attributionControl: false,
    hash: false,
  });
  map.addControl(new maplibregl.NavigationControl({ showCompass: false }), 'top-left');
  map.addControl(new maplibregl.ScaleControl({ unit: 'metric' }), 'bottom-right');
  map.on('click', 'precinct-fill', (e) => {
    const f = e.features && e.features[0];
    if (f) openCard(String(f.properties.precinct), false);
  });
  map.on('mouseenter', 'precinct-fill', () => { map.getCanvas().style.cursor = 'pointer'; });
  map.on('mouseleave', 'precinct-fill', () => { map.getCanvas().style.cursor = ''; });
  map.on('load', () => { mapLoaded = true; applyPlanToMap(); });
  map.once('idle', () => {
    window.__app.firstRender = performance.now();
    document.body.dataset.mapReady = '1';
  });
  map.on('moveend', updateLabels);
  map.on('load', updateLabels);
}

// Labels as HTML markers (no glyph server needed; any script renders).
let labelSeq = 0;
async function updateLabels() {
  const seq = ++labelSeq;
  const z = map.getZoom();
  const b = map.getBounds();
  const [w, s, e, n] = [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()];
  const want = [];
  const canvas = map.getCanvas();
  const width = canvas.clientWidth;
  const degPerPx = (e - w) / Math.max(1, width);
  for (const a of state.admin) {
    if (!a.label || !a.bbox) continue;
    const [lx, ly] = a.label;
    if (lx < w || lx > e || ly < s || ly > n) continue;
    const px = (a.bbox[2] - a.bbox[0]) / degPerPx;
    if (px < 70 || px > width * 1.6) continue;
    want.push({ kind: 'admin', text: a.name || a.kato, lngLat: a.label, px });
  }
  want.sort((x, y) => y.px - x.px);
  want.length = Math.min(want.length, 60);
  if (z >= 12) {
    try {
      const r = await api(`/api/precincts?bbox=${w},${s},${e},${n}&per_page=300&sort=precinct`);
      if (seq !== labelSeq) return;
      for (const p of r.items) {
        if (p.label) want.push({ kind: 'precinct', text: '№' + p.precinct, lngLat: p.label, no: p.precinct });
      }
    } catch (_) { /* labels are optional */ }
  }
  if (seq !== labelSeq) return;
  // Skip labels that would overlap one already placed (admin units first, then precincts).
  const placed = [];
  const shown = want.filter((l) => {
    const p = map.project(l.lngLat);
    const w = l.text.length * (l.kind === 'admin' ? 7.5 : 6.5) + 6;
    const h = l.kind === 'admin' ? 18 : 14;
    const r = [p.x - w / 2, p.y - h / 2, p.x + w / 2, p.y + h / 2];
    if (placed.some((q) => r[0] < q[2] && r[2] > q[0] && r[1] < q[3] && r[3] > q[1])) return false;
    placed.push(r);
    return true;
  });
  for (const m of state.markers) m.remove();
  state.markers = shown.map((l) => {
    const el = document.createElement('div');
    el.className = 'label label-' + l.kind;
    el.textContent = l.text;
    if (l.no) el.addEventListener('click', () => openCard(l.no, false));
    return new maplibregl.Marker({ element: el }).setLngLat(l.lngLat).addTo(map);
  });
}

function flyTo(bbox, point) {
  if (bbox) {
    map.fitBounds([[bbox[0], bbox[1]], [bbox[2], bbox[3]]], { padding: 60, maxZoom: 16, duration: 800 });
  } else if (point) {
    map.flyTo({ center: point, zoom: 17 });
  }
}

// ---------------------------------------------------------------- card
async function openCard(no, fly) {
  no = String(no);
  const cp = state.cardPlan;
  if (!cp || cp.no !== no) {
    state.cardPlan = { no, page: 1, data: null, error: null, selected: new Set(), target: '', note: '', result: null, busy: false };
  }
  try {
    const c = await api('/api/precincts/' + encodeURIComponent(no));
    state.card = c;
    renderCard();
    map.setFilter('selected-line', ['==', ['get', 'precinct'], c.precinct]);
    if (fly) flyTo(c.bbox, c.label);
  } catch (e) {
    // A precinct the plan created has no card in the report, only its planned addresses.
    const planned = e.status === 404 && planPrecinct(no);
    state.card = planned ? { precinct: no, planOnly: true } : { error: e.message };
    if (planned) map.setFilter('selected-line', ['==', ['get', 'precinct'], '']);
    renderCard();
  }
  loadCardPlan();
}

function renderCard() {
  const el = $('card');
  const c = state.card;
  if (!c) { el.hidden = true; el.innerHTML = ''; return; }
  el.hidden = false;
  if (c.error) {
    el.innerHTML = `<p class="error">${esc(t('error'))}: ${esc(c.error)}</p>`;
    return;
  }
  if (c.planOnly) {
    el.innerHTML = `<div class="card-head"><h3 id="card-title">${esc(t('card_title', { n: c.precinct }))}</h3>
      <button type="button" id="card-close">${esc(t('close'))}</button></div>
      <p class="muted">${esc(t('plan_only'))}</p>
      <table class="kv" id="card-numbers"><tbody id="card-planned"></tbody></table><section id="card-plan"></section>`;
    $('card-close').addEventListener('click', closeCard);
    renderCardPlanned();
    renderCardPlan();
    return;
  }
  const p = c.properties || {};
  const n = c.numbers || {};
  const rows = [
    ['by_polygon', fmtNum(n.by_polygon)],
    ['by_list', fmtNum(n.by_list)],
    ['by_address_list', fmtNum(n.by_address_list)],
    ['by_address_list_exclusive', fmtNum(n.by_address_list_exclusive)],
    ['cap', fmtNum(n.cap)],
    ['load', fmtPct(n.load)],
    ['unit', esc([p.admin_unit, p.admin_name].filter(Boolean).join(' '))],
    ['outside_share', fmtPct(p.outside_share)],
    ['units_touched', esc((p.admin_units_touched || []).join(', '))],
  ];
  const st = c.station;
  const station = st
    ? `<p>${esc(st.facility || '')}${st.address ? ', ' + esc(st.address) : ''}</p>`
    : `<p class="muted">${esc(t('no_station'))}</p>`;
  const findings = c.findings.length
    ? '<ul class="findings">' + c.findings.map((f) =>
      `<li class="sev-${esc(f.severity)}"><b>${esc(codeTitle(f.code))}</b> <code>${esc(f.code)}</code><br>${esc(f.message)}</li>`).join('') + '</ul>'
    : `<p class="muted">${esc(t('no_findings'))}</p>`;
  let borders = '';
  if (c.border_entries) {
    const list = Array.isArray(c.border_entries) ? c.border_entries : [c.border_entries];
    borders = `<h4>${esc(t('border_entries'))}</h4><ul class="borders">` +
      list.map((b) => `<li>${esc(typeof b === 'string' ? b : JSON.stringify(b))}</li>`).join('') + '</ul>';
  }
  let recon = '';
  if (c.reconciliation && typeof c.reconciliation === 'object') {
    const keys = Object.keys(c.reconciliation);
    recon = `<h4>${esc(t('recon_counts'))}</h4><table class="kv"><tbody>` +
      keys.map((k) => `<tr><th>${esc(k === 'total' ? t('total') : k + '. ' + (((c.reconciliation_titles || {})[k] || {})[state.lang] || t('category')))}</th><td class="num" data-recon="${esc(k)}">${fmtNum(c.reconciliation[k])}</td></tr>`).join('') +
      '</tbody></table>';
  }
  el.innerHTML = `
    <div class="card-head"><h3 id="card-title">${esc(t('card_title', { n: c.precinct }))}</h3>
      <button type="button" id="card-close">${esc(t('close'))}</button></div>
    ${p.overfull ? `<span class="badge badge-overfull">${esc(t('lg_overfull'))}</span>` : ''}
    ${p.cross_boundary ? `<span class="badge badge-cross">${esc(t('lg_cross'))}</span>` : ''}
    <table class="kv" id="card-numbers"><tbody>${rows.slice(0, 5).map(([k, v]) =>
      `<tr><th>${esc(t(k))}</th><td class="num" data-field="${k}">${v}</td></tr>`).join('')}</tbody>
      <tbody id="card-planned"></tbody><tbody>${rows.slice(5).map(([k, v]) =>
      `<tr><th>${esc(t(k))}</th><td class="num" data-field="${k}">${v}</td></tr>`).join('')}</tbody></table>
    <h4>${esc(t('station'))}</h4>${station}
    <h4>${esc(t('findings'))}</h4>${findings}
    ${borders}${recon}
    <section id="card-plan"></section>`;
  $('card-close').addEventListener('click', closeCard);
  renderCardPlanned();
  renderCardPlan();
}

// The plan's figures for the open card's precinct, beside the check's numbers, when the plan
// changed that precinct (GET /api/plan's `precincts`); nothing otherwise.
function renderCardPlanned() {
  const tb = $('card-planned');
  const c = state.card;
  if (!tb || !c || c.error) return;
  const p = planPrecinct(c.precinct);
  if (!p) { tb.innerHTML = ''; return; }
  tb.innerHTML = `<tr class="planned"><th>${esc(t('planned_voters'))}</th>
      <td class="num"><span data-field="planned_voters">${fmtNum(p.voters_planned)}</span>
      <span class="muted" data-field="planned_before">(${esc(t('planned_before', { n: fmtNum(p.voters_before) }))})</span></td></tr>
    <tr class="planned${p.over_cap ? ' overfull' : ''}"><th>${esc(t('planned_load'))}</th>
      <td class="num"><span data-field="planned_load">${fmtPct(p.load_planned)}</span>${p.over_cap
    ? ` <span class="badge badge-overfull" data-field="planned_over_cap">${esc(t('flag_over_cap'))}</span>` : ''}</td></tr>`;
}

function closeCard() {
  state.card = null;
  state.cardPlan = null;
  map.setFilter('selected-line', ['==', ['get', 'precinct'], '']);
  renderCard();
}

// ---------------------------------------------------------------- the planner
// The plan (GET /api/plan) drives the Plan tab and the map's feature-state: changed precincts
// get {load, changed} in the `precincts` source-layer, moved address points {moved} in the
// `addresses` one (tile feature ids are the plan's `feature_id` and address ids).
const planApplied = { precincts: new Set(), addresses: new Set() };

function planAvailable() {
  return !!(state.plan.data && state.plan.data.available);
}

function planPrecinct(no) {
  const d = state.plan.data;
  return d && d.available ? (d.precincts || []).find((p) => p.precinct === String(no)) || null : null;
}

let planSeq = 0;
async function loadPlan() {
  const seq = ++planSeq;
  let data = null;
  let error = null;
  try {
    data = await api('/api/plan');
  } catch (e) {
    error = e.message;
  }
  if (seq !== planSeq) return;
  state.plan.data = data;
  state.plan.error = error;
  applyPlanToMap();
  renderPlan();
  renderCardPlanned();
  renderList();
}

function applyPlanToMap() {
  if (!map || !mapLoaded) return;
  const d = planAvailable() ? state.plan.data : null;
  const precincts = new Map();
  const moved = new Set();
  if (d) {
    for (const p of d.precincts || []) {
      if (p.feature_id !== null && p.feature_id !== undefined) precincts.set(p.feature_id, p);
    }
    for (const id of d.moved || []) moved.add(id);
  }
  // Undone changes: back to the check's figures.
  for (const id of planApplied.precincts) {
    if (!precincts.has(id)) map.removeFeatureState({ source: 'data', sourceLayer: 'precincts', id });
  }
  for (const id of planApplied.addresses) {
    if (!moved.has(id)) map.removeFeatureState({ source: 'data', sourceLayer: 'addresses', id });
  }
  for (const [id, p] of precincts) {
    map.setFeatureState({ source: 'data', sourceLayer: 'precincts', id },
      { load: p.load_planned, over_cap: !!p.over_cap, changed: true });
  }
  for (const id of moved) {
    if (!planApplied.addresses.has(id)) map.setFeatureState({ source: 'data', sourceLayer: 'addresses', id }, { moved: true });
  }
  planApplied.precincts = new Set(precincts.keys());
  planApplied.addresses = moved;
}

function renderPlan() {
  const el = $('tab-plan');
  const pl = state.plan;
  const d = pl.data;
  let html = `<h3 id="plan-heading">${esc(t('plan_title'))}</h3>`;
  if (pl.error) {
    el.innerHTML = html + `<p class="error">${esc(t('error'))}: ${esc(pl.error)}</p>`;
    return;
  }
  if (!d) { el.innerHTML = html; return; }
  if (!d.available) {
    el.innerHTML = html + `<p class="muted" id="plan-unavailable">${esc(t('plan_unavailable'))}${d.reason ? ': ' + esc(d.reason) : ''}</p>`;
    return;
  }
  const movedN = d.moved_total ?? (d.moved || []).length;
  html += `<p class="muted" id="plan-summary">${esc(t('plan_summary', { cap: fmtNum(d.cap), m: fmtNum(movedN) }))}</p>`;
  if (pl.msg) html += `<p class="plan-msg" id="plan-msg">${esc(pl.msg)}</p>`;

  html += `<h4>${esc(t('plan_edits'))}</h4>`;
  const edits = (d.edits || []).slice().reverse();
  if (!edits.length) {
    html += `<p class="muted" id="plan-no-edits">${esc(t('plan_no_edits'))}</p>`;
  }
  html += `<table class="list plan" id="plan-edits" ${edits.length ? '' : 'hidden'}><thead><tr>
      <th>${esc(t('col_edit'))}</th><th>${esc(t('col_target'))}</th>
      <th class="num" title="${esc(t('col_applied_title'))}">${esc(t('col_addresses'))}</th><th class="num">${esc(t('col_voters'))}</th><th></th></tr></thead><tbody>` +
    edits.map((e) => `<tr data-edit="${esc(e.id)}" title="${esc(e.created || '')}">
      <td>${esc(e.id)}</td><td><span data-field="target">${esc(e.precinct)}</span>${e.note
    ? `<div class="note" title="${esc(t('col_note'))}">${esc(e.note)}</div>` : ''}</td>
      <td class="num ${e.applied < e.addresses ? 'partial' : ''}" data-field="addresses">${fmtNum(e.applied)} / ${fmtNum(e.addresses)}</td>
      <td class="num" data-field="voters">${fmtNum(e.voters)}</td>
      <td><button type="button" data-undo="${esc(e.id)}">${esc(t('undo'))}</button></td></tr>`).join('') +
    '</tbody></table>';

  html += `<h4>${esc(t('plan_changed'))}</h4>`;
  const ps = d.precincts || [];
  if (!ps.length) html += `<p class="muted" id="plan-no-changed">${esc(t('plan_no_changed'))}</p>`;
  html += `<table class="list plan" id="plan-precincts" ${ps.length ? '' : 'hidden'}><thead><tr>
      <th>${esc(t('col_precinct'))}</th><th class="num">${esc(t('col_before_planned'))}</th><th class="num">${esc(t('col_load'))}</th>
      <th>${esc(t('col_units'))}</th></tr></thead><tbody>` +
    ps.map((p) => `<tr tabindex="0" data-precinct="${esc(p.precinct)}" class="${p.over_cap ? 'overfull' : ''}">
      <td>${esc(p.precinct)}${p.new ? ` <span class="chip">${esc(t('flag_new'))}</span>` : ''}</td>
      <td class="num"><span data-field="before">${fmtNum(p.voters_before)}</span> → <span data-field="planned">${fmtNum(p.voters_planned)}</span></td>
      <td class="num">${fmtPct(p.load_planned)}${p.over_cap ? `<br><span class="badge badge-overfull">${esc(t('flag_over_cap'))}</span>` : ''}</td>
      <td>${(p.units || []).map((u) => `<span class="chip">${esc(u)}</span>`).join(' ')}</td></tr>`).join('') +
    '</tbody></table>';

  const a3 = (lang, fmt) => ({ f: `plan-appendix3.${lang}.${fmt}`, label: t('dl_a3', { lang: t('lang_' + lang), fmt: fmt.toUpperCase() }) });
  const files = [{ f: 'plan.geojson', label: t('dl_geojson') }, a3('ru', 'csv'), a3('kk', 'csv'), a3('ru', 'xlsx'), a3('kk', 'xlsx')];
  html += `<h4>${esc(t('plan_downloads'))}</h4><ul class="downloads" id="plan-downloads">` +
    files.map((x) => `<li><a href="/download/${esc(x.f)}" download="${esc(x.f)}">${esc(x.label)}</a> <span class="muted">${esc(x.f)}</span></li>`).join('') + '</ul>';
  el.innerHTML = html;

  el.querySelectorAll('button[data-undo]').forEach((b) => b.addEventListener('click', () => undoEdit(b.dataset.undo, b)));
  el.querySelectorAll('#plan-precincts tbody tr').forEach((tr) => {
    tr.addEventListener('click', () => openCard(tr.dataset.precinct, true));
    tr.addEventListener('keydown', (e) => { if (e.key === 'Enter') openCard(tr.dataset.precinct, true); });
  });
}

async function undoEdit(id, button) {
  if (button) button.disabled = true;
  try {
    await apiSend('DELETE', '/api/plan/edits/' + encodeURIComponent(id));
    state.plan.msg = t('undone', { id });
    if (state.cardPlan) state.cardPlan.result = null;
  } catch (e) {
    state.plan.msg = t('error') + ': ' + e.message;
  }
  await refreshPlan();
}

// After a move or an undo: the plan (tab and map) and the open card's addresses.
async function refreshPlan() {
  await Promise.all([loadPlan(), state.cardPlan ? loadCardPlan() : null]);
}

const CARD_PAGE = 50;
let cardPlanSeq = 0;
async function loadCardPlan() {
  const cp = state.cardPlan;
  if (!cp) return;
  const seq = ++cardPlanSeq;
  const q = new URLSearchParams({ page: cp.page, per_page: CARD_PAGE });
  try {
    const d = await api('/api/plan/precincts/' + encodeURIComponent(cp.no) + '/addresses?' + q.toString());
    if (seq !== cardPlanSeq || state.cardPlan !== cp) return;
    const pages = Math.max(1, Math.ceil(d.total / CARD_PAGE));
    if (cp.page > pages) { cp.page = pages; loadCardPlan(); return; }
    cp.data = d;
    cp.error = null;
  } catch (e) {
    if (seq !== cardPlanSeq || state.cardPlan !== cp) return;
    cp.data = null;
    // Without a planner the addresses endpoint says 404 too: then the card has no plan section.
    cp.error = e.status === 404 && !planAvailable() ? null : e.message;
  }
  renderCardPlan();
}

function warningText(w, changed) {
  const p = w.precinct;
  if (w.code === 'over_cap') {
    const f = (changed || []).find((x) => x.precinct === p) || planPrecinct(p);
    const cap = state.plan.data && state.plan.data.cap;
    return f && cap ? t('warn_over_cap', { p, n: fmtNum(f.voters_planned), cap: fmtNum(cap) }) : t('warn_over_cap_plain', { p });
  }
  if (w.code === 'other_unit') {
    return w.count != null && w.unit ? t('warn_other_unit_n', { p, n: fmtNum(w.count), unit: w.unit }) : t('warn_other_unit', { p });
  }
  if (w.code === 'new_precinct') return t('warn_new_precinct', { p });
  return w.message || w.code;
}

function renderCardPlan() {
  const el = $('card-plan');
  const cp = state.cardPlan;
  if (!el) return;
  if (!cp || !state.card || String(state.card.precinct) !== cp.no || (!cp.data && !cp.error)) { el.innerHTML = ''; return; }
  let html = `<h4>${esc(t('card_plan'))}</h4>`;
  if (cp.result) {
    const r = cp.result;
    if (r.error) {
      html += `<p class="error" id="plan-move-error">${esc(t('error'))}: ${esc(r.error)}</p>`;
    } else {
      html += `<p class="plan-msg" id="plan-move-ok">${esc(t('moved_ok', { p: r.edit.precinct, n: fmtNum(r.edit.applied), v: fmtNum(r.edit.voters) }))}</p>`;
      if (r.warnings && r.warnings.length) {
        html += '<ul class="plan-warnings" id="plan-warnings">' + r.warnings.map((w) =>
          `<li data-code="${esc(w.code)}" title="${esc(w.message || '')}">${esc(warningText(w, r.changed))}</li>`).join('') + '</ul>';
      }
    }
  }
  if (cp.error) {
    el.innerHTML = html + `<p class="error">${esc(t('error'))}: ${esc(cp.error)}</p>`;
    return;
  }
  const d = cp.data;
  const cap = (state.plan.data && state.plan.data.cap) || 3000;
  html += `<p class="muted" id="card-plan-count">${esc(t('plan_addr_count', { n: fmtNum(d.total), v: fmtNum(d.voters), l: fmtPct(d.voters / cap) }))}</p>`;
  if (!d.items.length) {
    el.innerHTML = html + `<p class="muted">${esc(t('no_addresses'))}</p>`;
    return;
  }
  const allOn = d.items.every((a) => cp.selected.has(a.id));
  html += `<label class="select-page"><input type="checkbox" id="card-plan-all" ${allOn ? 'checked' : ''}> ${esc(t('select_page'))}</label>
    <table class="list plan" id="card-plan-addresses"><thead><tr><th></th><th>${esc(t('col_address'))}</th><th class="num">${esc(t('col_voters'))}</th></tr></thead><tbody>` +
    d.items.map((a) => `<tr data-id="${esc(a.id)}" class="${a.moved ? 'moved' : ''}">
      <td><input type="checkbox" data-addr="${esc(a.id)}" id="addr-${esc(a.id)}" ${cp.selected.has(a.id) ? 'checked' : ''}></td>
      <td><label for="addr-${esc(a.id)}">${esc(a.label)}</label>${a.moved
    ? `<br><span class="moved-mark" data-base="${esc(a.base ?? '')}">↪ ${esc(a.base ? t('moved_from', { p: a.base }) : t('moved_from_none'))}</span>` : ''}</td>
      <td class="num">${fmtNum(a.voters)}</td></tr>`).join('') + '</tbody></table>';
  const pages = Math.max(1, Math.ceil(d.total / CARD_PAGE));
  if (pages > 1) {
    html += `<div class="pager"><button type="button" id="cp-prev" ${cp.page <= 1 ? 'disabled' : ''}>${esc(t('prev'))}</button>
      <span>${esc(t('page', { p: cp.page, n: pages }))}</span>
      <button type="button" id="cp-next" ${cp.page >= pages ? 'disabled' : ''}>${esc(t('next'))}</button></div>`;
  }
  html += `<div class="plan-move">
      <span class="muted" id="plan-selected">${esc(t('selected_n', { n: cp.selected.size }))}</span>
      <label>${esc(t('target_precinct'))} <input type="text" id="plan-target" size="8" maxlength="40" autocomplete="off" value="${esc(cp.target)}"></label>
      <label>${esc(t('note_optional'))} <input type="text" id="plan-note" maxlength="500" autocomplete="off" value="${esc(cp.note)}"></label>
      <button type="button" id="plan-move">${esc(t('move'))}</button></div>`;
  el.innerHTML = html;

  const sync = () => {
    $('plan-selected').textContent = t('selected_n', { n: cp.selected.size });
    $('plan-move').disabled = cp.busy || !cp.selected.size || !cp.target.trim();
    const all = $('card-plan-all');
    all.checked = d.items.every((a) => cp.selected.has(a.id));
  };
  el.querySelectorAll('input[data-addr]').forEach((box) => box.addEventListener('change', () => {
    const id = Number(box.dataset.addr);
    if (box.checked) cp.selected.add(id); else cp.selected.delete(id);
    sync();
  }));
  $('card-plan-all').addEventListener('change', (e) => {
    for (const a of d.items) { if (e.target.checked) cp.selected.add(a.id); else cp.selected.delete(a.id); }
    el.querySelectorAll('input[data-addr]').forEach((box) => { box.checked = e.target.checked; });
    sync();
  });
  $('plan-target').addEventListener('input', (e) => { cp.target = e.target.value; sync(); });
  $('plan-target').addEventListener('keydown', (e) => { if (e.key === 'Enter' && !$('plan-move').disabled) moveSelected(); });
  $('plan-note').addEventListener('input', (e) => { cp.note = e.target.value; });
  $('plan-move').addEventListener('click', moveSelected);
  const pp = $('cp-prev'); if (pp) pp.addEventListener('click', () => { cp.page--; loadCardPlan(); });
  const pn = $('cp-next'); if (pn) pn.addEventListener('click', () => { cp.page++; loadCardPlan(); });
  sync();
}

async function moveSelected() {
  const cp = state.cardPlan;
  if (!cp || cp.busy || !cp.selected.size || !cp.target.trim()) return;
  cp.busy = true;
  $('plan-move').disabled = true;
  const body = { addresses: [...cp.selected].sort((a, b) => a - b), precinct: cp.target.trim(), note: cp.note.trim() };
  try {
    const r = await apiSend('POST', '/api/plan/edits', body);
    cp.result = { edit: r.edit, changed: r.changed, warnings: r.warnings || [] };
    cp.selected = new Set();
    cp.note = '';
  } catch (e) {
    cp.result = { error: e.message };
  }
  cp.busy = false;
  state.plan.msg = null;
  await refreshPlan();
}

// ---------------------------------------------------------------- flagged list
async function loadList() {
  const l = state.list;
  const q = new URLSearchParams({ flagged: 'true', sort: l.sort, order: l.order, page: l.page, per_page: l.per_page });
  if (l.code) q.set('code', l.code);
  if (l.unit) q.set('unit', l.unit);
  try {
    l.data = await api('/api/precincts?' + q.toString());
  } catch (e) {
    l.data = { error: e.message };
  }
  renderList();
}

function renderFilters() {
  const l = state.list;
  const counts = (state.stats && state.stats.findings_by_code) || {};
  const codeSel = $('f-code');
  codeSel.innerHTML = `<option value="">${esc(t('all'))}</option>` +
    Object.keys(state.codes).filter((c) => counts[c]).map((c) =>
      `<option value="${esc(c)}">${esc(codeTitle(c))} (${counts[c]})</option>`).join('');
  codeSel.value = l.code;
  const unitSel = $('f-unit');
  const units = state.admin.filter((a) => a.kato).slice().sort((a, b) => (a.name || '').localeCompare(b.name || ''));
  unitSel.innerHTML = `<option value="">${esc(t('all'))}</option>` +
    units.map((a) => `<option value="${esc(a.kato)}">${esc(a.name)} (${esc(a.kato)})</option>`).join('');
  unitSel.value = l.unit;
  const sortSel = $('f-sort');
  sortSel.innerHTML = [['load', 'sort_load'], ['precinct', 'sort_precinct'], ['findings', 'sort_findings'],
    ['outside_share', 'sort_outside'], ['voters', 'sort_voters']]
    .map(([v, k]) => `<option value="${v}">${esc(t(k))}</option>`).join('');
  sortSel.value = l.sort;
  $('f-order').textContent = l.order === 'desc' ? '↓' : '↑';
}

// The plan's load of a changed precinct, after the check's in the list.
function plannedLoad(no) {
  const p = planPrecinct(no);
  return p ? `<br><span class="planned" data-field="planned_load" title="${esc(t('planned_load'))}">→ ${fmtPct(p.load_planned)}</span>` : '';
}

function renderList() {
  const l = state.list;
  const table = $('flagged');
  table.tHead.innerHTML = `<tr><th>${esc(t('col_precinct'))}</th><th>${esc(t('col_unit'))}</th><th>${esc(t('col_load'))}</th><th>${esc(t('col_findings'))}</th></tr>`;
  const body = table.tBodies[0];
  const d = l.data;
  if (!d) { body.innerHTML = ''; return; }
  if (d.error) { body.innerHTML = `<tr><td colspan="4" class="error">${esc(d.error)}</td></tr>`; return; }
  $('flagged-count').textContent = t('flagged_count', { n: d.total });
  body.innerHTML = d.items.map((p) => `<tr tabindex="0" data-precinct="${esc(p.precinct)}" class="${p.overfull ? 'overfull' : ''} ${p.cross_boundary ? 'cross' : ''}">
      <td>${esc(p.precinct)}</td><td>${esc(p.admin_name || p.admin_unit || '')}</td>
      <td class="num">${fmtPct(p.load)}${plannedLoad(p.precinct)}</td>
      <td>${(p.findings || []).map((c) => `<span class="chip" title="${esc(codeTitle(c))}">${esc(codeTitle(c))}</span>`).join(' ')}</td></tr>`).join('');
  for (const tr of body.rows) {
    tr.addEventListener('click', () => openCard(tr.dataset.precinct, true));
    tr.addEventListener('keydown', (e) => { if (e.key === 'Enter') openCard(tr.dataset.precinct, true); });
  }
  const pages = Math.max(1, Math.ceil(d.total / d.per_page));
  $('flagged-pager').innerHTML = `<button type="button" id="pg-prev" ${l.page <= 1 ? 'disabled' : ''}>${esc(t('prev'))}</button>
    <span>${esc(t('page', { p: l.page, n: pages }))}</span>
    <button type="button" id="pg-next" ${l.page >= pages ? 'disabled' : ''}>${esc(t('next'))}</button>`;
  $('pg-prev').addEventListener('click', () => { l.page--; loadList(); });
  $('pg-next').addEventListener('click', () => { l.page++; loadList(); });
}

// ---------------------------------------------------------------- reconciliation
async function loadRecon() {
  const r = state.recon;
  if (!r.stats && !r.missing) {
    try {
      r.stats = await api('/api/reconciliation/stats');
    } catch (e) {
      r.missing = e.status === 404;
      r.error = r.missing ? null : e.message;
    }
  }
  if (r.category) {
    const q = new URLSearchParams({ page: r.page, per_page: 50 });
    if (r.reveal) q.set('reveal', 'true');
    try {
      r.data = await api('/api/reconciliation/' + encodeURIComponent(r.category) + '?' + q.toString());
    } catch (e) {
      r.data = { error: e.message };
    }
  }
  renderRecon();
}

function countsTable(rows, keyCol, labelFn, titles) {
  const cats = new Set();
  for (const row of rows) for (const k of Object.keys(row.counts || {})) cats.add(k);
  const order = [...cats].sort((a, b) => (a === 'total') - (b === 'total') || a.localeCompare(b, undefined, { numeric: true }));
  return `<table class="list recon"><thead><tr><th>${esc(keyCol)}</th>${order.map((c) =>
    `<th class="num" title="${esc((titles && titles[c] && titles[c][state.lang]) || '')}">${esc(c === 'total' ? t('total') : c)}</th>`).join('')}</tr></thead><tbody>` +
    rows.map((row) => `<tr>${labelFn(row)}${order.map((c) => `<td class="num">${fmtNum(row.counts[c] ?? 0)}</td>`).join('')}</tr>`).join('') +
    '</tbody></table>';
}

function renderRecon() {
  const el = $('tab-recon');
  const r = state.recon;
  if (r.missing) { el.innerHTML = `<p class="muted" id="recon-missing">${esc(t('no_recon'))}</p>`; return; }
  if (r.error) { el.innerHTML = `<p class="error">${esc(r.error)}</p>`; return; }
  if (!r.stats) { el.innerHTML = ''; return; }
  const s = r.stats;
  let html = '';
  const catTitle = (c) => (c.title && c.title[state.lang]) ? (c.number ? c.number + '. ' : '') + c.title[state.lang] : c.category;
  html += `<h4>${esc(t('lists'))}</h4><div class="cats">` + s.categories.map((c) =>
    `<button type="button" data-cat="${esc(c.category)}" class="${r.category === c.category ? 'on' : ''}" title="${esc(c.category)}">${esc(catTitle(c))} (${c.rows})</button>`).join(' ') + '</div>';
  if (r.category && r.data) {
    const d = r.data;
    if (d.error) {
      html += `<p class="error">${esc(d.error)}</p>`;
    } else {
      const pages = Math.max(1, Math.ceil(d.total / d.per_page));
      html += `<label class="reveal"><input type="checkbox" id="reveal" ${r.reveal ? 'checked' : ''}> ${esc(t('reveal'))}</label>` +
        (r.reveal && state.meta && state.meta.downloads && state.meta.downloads['reconciliation.xlsx']
          ? ` <a id="recon-xlsx-full" href="/download/reconciliation.xlsx?reveal=true" download="reconciliation.xlsx">${esc(t('xlsx_full'))}</a>` : '') +
        `
        <div class="hscroll"><table class="list" id="recon-rows"><thead><tr>${d.columns.map((c) => `<th>${esc(c)}</th>`).join('')}</tr></thead><tbody>` +
        d.rows.map((row) => `<tr>${row.map((v) => `<td>${esc(v)}</td>`).join('')}</tr>`).join('') + `</tbody></table></div>
        <div class="pager"><button type="button" id="rc-prev" ${r.page <= 1 ? 'disabled' : ''}>${esc(t('prev'))}</button>
        <span>${esc(t('page', { p: r.page, n: pages }))}</span>
        <button type="button" id="rc-next" ${r.page >= pages ? 'disabled' : ''}>${esc(t('next'))}</button></div>`;
    }
  }
  const seg = `<div class="seg"><button type="button" data-view="precinct" class="${r.view === 'precinct' ? 'on' : ''}">${esc(t('per_precinct'))}</button>
    <button type="button" data-view="unit" class="${r.view === 'unit' ? 'on' : ''}">${esc(t('per_unit'))}</button></div>`;
  html += `<h4>${esc(t('recon_counts'))}</h4>` + seg;
  if (r.view === 'precinct') {
    html += countsTable(s.by_precinct, t('col_precinct'), (row) => `<td><a href="#" data-precinct="${esc(row.precinct)}">${esc(row.precinct)}</a></td>`, s.category_titles);
  } else {
    html += countsTable(s.by_unit, t('col_unit'), (row) => `<td>${esc(row.admin_name || row.admin_unit)}</td>`, s.category_titles);
  }
  el.innerHTML = html;
  el.querySelectorAll('[data-view]').forEach((b) => b.addEventListener('click', () => { r.view = b.dataset.view; renderRecon(); }));
  el.querySelectorAll('a[data-precinct]').forEach((a) => a.addEventListener('click', (e) => { e.preventDefault(); openCard(a.dataset.precinct, true); }));
  el.querySelectorAll('[data-cat]').forEach((b) => b.addEventListener('click', () => { r.category = b.dataset.cat; r.page = 1; loadRecon(); }));
  const rv = $('reveal');
  if (rv) rv.addEventListener('change', () => {
    if (rv.checked && !window.confirm(t('reveal_confirm'))) { rv.checked = false; return; }
    r.reveal = rv.checked; loadRecon();
  });
  const pp = $('rc-prev'); if (pp) pp.addEventListener('click', () => { r.page--; loadRecon(); });
  const pn = $('rc-next'); if (pn) pn.addEventListener('click', () => { r.page++; loadRecon(); });
}

// ---------------------------------------------------------------- statistics
function renderStats() {
  const el = $('tab-stats');
  const s = state.stats;
  if (!s) { el.innerHTML = ''; return; }
  const rows = [['stats_precincts', s.precincts], ['stats_flagged', s.flagged], ['stats_overfull', s.overfull],
    ['stats_cross', s.cross_boundary], ['stats_findings', s.findings]];
  const byCode = Object.entries(s.findings_by_code || {});
  const dl = (state.meta && state.meta.downloads) || {};
  el.innerHTML = `<table class="kv" id="stats-table"><tbody>${rows.map(([k, v]) =>
    `<tr><th>${esc(t(k))}</th><td class="num">${fmtNum(v)}</td></tr>`).join('')}</tbody></table>
    <h4>${esc(t('findings'))}</h4><table class="kv"><tbody>${byCode.map(([c, n]) =>
    `<tr><th>${esc(codeTitle(c))}</th><td class="num">${fmtNum(n)}</td></tr>`).join('')}</tbody></table>
    ${accountingHtml(s.summary)}
    <h4>${esc(t('downloads'))}</h4><ul class="downloads">${Object.entries(dl).filter(([, ok]) => ok).map(([f]) =>
    `<li><a href="/download/${esc(f)}" download>${esc(f)}</a></li>`).join('')}</ul>`;
}

function accountingHtml(summary) {
  if (!summary) return '';
  let html = '';
  const acc = Array.isArray(summary.accounting) ? summary.accounting : [];
  if (acc.length) {
    html += `<h4>${esc(t('accounting'))}</h4><table class="list" id="accounting"><thead><tr><th>${esc(t('acc_file'))}</th>
      <th class="num">${esc(t('acc_read'))}</th><th class="num">${esc(t('acc_accepted'))}</th><th class="num">${esc(t('acc_rejected'))}</th></tr></thead><tbody>` +
      acc.map((a) => `<tr><td>${esc(a.kind || '')} ${esc(String(a.file || '').split('/').pop())}</td><td class="num">${fmtNum(a.read)}</td>
        <td class="num">${fmtNum(a.accepted)}</td><td class="num">${fmtNum(a.rejected)}</td></tr>`).join('') + '</tbody></table>';
  }
  const skipped = Array.isArray(summary.skipped_checks) ? summary.skipped_checks : [];
  if (skipped.length) {
    html += `<h4>${esc(t('skipped'))}</h4><ul>` + skipped.map((x) => `<li>${esc(typeof x === 'string' ? x : JSON.stringify(x))}</li>`).join('') + '</ul>';
  }
  return html;
}

// ---------------------------------------------------------------- legend
function renderLegend() {
  const sw = (cls, style) => `<span class="sw ${cls}" style="${style}"></span>`;
  const lg = $('legend');
  lg.classList.toggle('folded', !!state.legendFolded);
  lg.innerHTML = `<h4 id="legend-toggle" title="${esc(t('legend'))}">${esc(t('legend'))} <span class="fold">${state.legendFolded ? '▸' : '▾'}</span></h4><div class="legend-body">
    <div>${esc(t('lg_load'))}</div>
    <div class="ramp"><span style="background:#1a9850"></span><span style="background:#91cf60"></span><span style="background:#fee08b"></span><span style="background:#fc8d59"></span><span style="background:#d73027"></span><span style="background:#7f0000"></span></div>
    <div class="ramp-labels"><span>0</span><span>50%</span><span>80%</span><span>100%</span><span>120%</span><span>150%</span></div>
    <div>${sw('line', 'border-color:#67000d;border-style:dashed')} ${esc(t('lg_overfull'))}</div>
    <div>${sw('line', 'border-color:#ff7f00')} ${esc(t('lg_cross'))}</div>
    <div>${sw('fill', 'background:#ff7f00')} ${esc(t('lg_outside'))}</div>
    <div>${sw('fill', 'background:#984ea3')} ${esc(t('lg_overlap'))}</div>
    <div>${sw('dot', 'background:#000')} ${esc(t('lg_gap'))}</div>
    <div>${sw('dot', 'background:#084594')} ${esc(t('lg_station'))}</div>
    <div>${sw('dot', 'background:#e7298a')} ${esc(t('lg_voter'))}</div>
    <div>${sw('dot', 'background:#8c8c8c')} ${esc(t('lg_address'))}</div>
    <div>${sw('dot', 'background:#00b3b3;border-color:#004d4d')} ${esc(t('lg_moved'))}</div>
    <div>${sw('line', 'border-color:#0057b8;border-style:dotted')} ${esc(t('lg_plan_changed'))}</div>
    <div>${sw('line', 'border-color:#6a3d9a;border-style:dashed')} ${esc(t('lg_admin'))}</div></div>`;
  $('legend-toggle').addEventListener('click', () => { state.legendFolded = !state.legendFolded; renderLegend(); });
}

// ---------------------------------------------------------------- search
let searchSeq = 0;
async function doSearch(q) {
  const seq = ++searchSeq;
  const ul = $('search-results');
  if (!q.trim()) { ul.hidden = true; return; }
  let r;
  try {
    r = await api('/api/search?q=' + encodeURIComponent(q.trim()));
  } catch (e) {
    r = { results: [], error: e.message };
  }
  if (seq !== searchSeq) return;
  ul.innerHTML = r.results.length
    ? r.results.map((x, i) => `<li data-i="${i}">${esc(x.label)}</li>`).join('')
    : `<li class="muted">${esc(t('not_found'))}</li>`;
  ul.hidden = false;
  ul.querySelectorAll('li[data-i]').forEach((li) => li.addEventListener('click', () => {
    const x = r.results[Number(li.dataset.i)];
    ul.hidden = true;
    if (x.kind === 'precinct') openCard(x.id, true);
    else flyTo(x.bbox, x.point);
  }));
}

// ---------------------------------------------------------------- language, tabs
function applyStatic() {
  document.documentElement.lang = state.lang;
  document.title = t('title');
  document.querySelectorAll('[data-i18n]').forEach((el) => { el.textContent = t(el.dataset.i18n); });
  document.querySelectorAll('[data-i18n-placeholder]').forEach((el) => { el.placeholder = t(el.dataset.i18nPlaceholder); });
  document.querySelectorAll('[data-lang]').forEach((b) => b.classList.toggle('on', b.dataset.lang === state.lang));
  document.querySelectorAll('[data-tab]').forEach((b) => b.classList.toggle('on', b.dataset.tab === state.tab));
}

function setLang(lang) {
  state.lang = lang;
  localStorage.setItem('precincts.lang', lang);
  applyStatic();
  renderFilters();
  renderList();
  renderCard();
  renderRecon();
  renderStats();
  renderPlan();
  renderLegend();
}

function setTab(tab) {
  state.tab = tab;
  for (const id of ['flagged', 'recon', 'stats', 'plan']) $('tab-' + id).hidden = id !== tab;
  applyStatic();
  if (tab === 'recon') loadRecon();
  if (tab === 'stats') renderStats();
  if (tab === 'plan') loadPlan();
}

async function main() {
  window.__app = { state, firstRender: null, get map() { return map; } };
  const [meta, codes, stats, admin] = await Promise.all([
    api('/api/meta'), api('/api/codes'), api('/api/stats'), api('/api/admin')]);
  state.meta = meta;
  for (const c of codes) state.codes[c.code] = c;
  state.stats = stats;
  state.admin = admin;
  initMap(meta);
  loadPlan();
  applyStatic();
  renderFilters();
  renderLegend();
  document.querySelectorAll('[data-lang]').forEach((b) => b.addEventListener('click', () => setLang(b.dataset.lang)));
  document.querySelectorAll('[data-tab]').forEach((b) => b.addEventListener('click', () => setTab(b.dataset.tab)));
  $('f-code').addEventListener('change', (e) => { state.list.code = e.target.value; state.list.page = 1; loadList(); });
  $('f-unit').addEventListener('change', (e) => { state.list.unit = e.target.value; state.list.page = 1; loadList(); });
  $('f-sort').addEventListener('change', (e) => { state.list.sort = e.target.value; state.list.page = 1; loadList(); });
  $('f-order').addEventListener('click', () => {
    state.list.order = state.list.order === 'desc' ? 'asc' : 'desc'; state.list.page = 1; renderFilters(); loadList();
  });
  let timer;
  $('search').addEventListener('input', (e) => { clearTimeout(timer); timer = setTimeout(() => doSearch(e.target.value), 200); });
  $('search').addEventListener('keydown', (e) => { if (e.key === 'Escape') $('search-results').hidden = true; });
  await loadList();
  document.body.dataset.listReady = '1';
}

main().catch((e) => {
  document.body.dataset.error = String(e && e.message);
  console.error(e);
});
