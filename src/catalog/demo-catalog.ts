// Demo catalogue of a Chinese supermarket: a two-level category tree and any number of SKUs
// (packaged goods, weighed produce, scale-priced deli and bakery, bundles), the same for a seed.
import { AppError } from '../platform/errors';
import { withCheckDigit } from './barcode';
import type { CategoryInput, SkuInput } from './types';

export interface DemoCatalogOptions {
  products: number;
  seed?: number;
}

export interface DemoCatalog {
  categories: CategoryInput[];
  skus: SkuInput[];
}

/** [spec, lowest price, highest price] in fen: a 550ml bottle and a case of 24 differ. */
type Spec = readonly [spec: string, minFen: number, maxFen: number];

/** Packaged goods named "brand item spec", e.g. "农夫山泉 饮用天然水 550ml". */
interface PackedLine {
  brands: readonly string[];
  items: readonly string[];
  specs: readonly Spec[];
}

/** Goods without a barcode, sold by a scale label: "prefix item", priced per kg or per label. */
interface ScaleLine {
  prefixes: readonly string[];
  items: readonly Spec[];
}

interface Leaf {
  code: string;
  name: string;
  vatRate: string;
  /** Share of the packaged SKUs, so drinks and snacks outnumber books as in a real store. */
  share: number;
  packed: readonly PackedLine[];
  /** Sold by weight (unit kg), item prices per kg. */
  weighed?: ScaleLine;
  /** Priced at the scale per piece (20… labels), item prices per label. */
  labelled?: ScaleLine;
}

interface Top {
  code: string;
  name: string;
  vatRate: string;
  children: readonly Leaf[];
}

// Rates follow Chinese VAT: farm produce, grain, oil and books 9%; processed food and goods 13%;
// services 6%; fresh eggs are exempt in retail (财税〔2012〕75号), hence 0.
const TREE: readonly Top[] = [
  {
    code: 'C10', name: '生鲜', vatRate: '0.09', children: [
      {
        code: 'C1001', name: '水果', vatRate: '0.09', share: 3,
        packed: [{ brands: ['佳沛', '都乐', '百果园', '鑫荣懋'], items: ['金奇异果', '蓝莓', '车厘子', '牛油果'], specs: [['盒装 125g', 1290, 2990], ['6个装', 2990, 5990], ['礼盒 2.5kg', 9900, 19900]] }],
        weighed: { prefixes: ['散装', '精选', '优选'], items: [['红富士苹果', 998, 1598], ['香蕉', 598, 998], ['赣南脐橙', 798, 1398], ['砀山梨', 598, 998], ['麒麟西瓜', 398, 798], ['阳光玫瑰葡萄', 2398, 3998], ['芒果', 1198, 1998]] },
      },
      {
        code: 'C1002', name: '蔬菜', vatRate: '0.09', share: 3,
        packed: [{ brands: ['多利农庄', '正大', '本来生活'], items: ['有机西兰花', '小番茄', '奶白菜', '水果黄瓜', '净菜沙拉'], specs: [['盒装 300g', 590, 1290], ['袋装 500g', 690, 1590]] }],
        weighed: { prefixes: ['散装', '本地', '精选'], items: [['西红柿', 598, 998], ['黄瓜', 498, 898], ['土豆', 298, 498], ['大白菜', 198, 398], ['青椒', 598, 998], ['胡萝卜', 298, 598], ['西兰花', 898, 1398]] },
      },
      {
        code: 'C1003', name: '肉禽', vatRate: '0.09', share: 2,
        packed: [{ brands: ['双汇', '雨润', '圣农', '金锣'], items: ['冷鲜猪里脊', '鸡胸肉', '鸡翅中', '肥牛卷', '猪肋排'], specs: [['盒装 400g', 1690, 3990], ['袋装 1kg', 3290, 6990]] }],
        weighed: { prefixes: ['冷鲜', '精选', '本地'], items: [['猪五花肉', 2998, 3998], ['猪前腿肉', 2398, 3198], ['鸡腿', 1598, 2198], ['牛腩', 6998, 9998], ['整鸡', 1998, 2798]] },
      },
      {
        code: 'C1004', name: '水产', vatRate: '0.09', share: 2,
        packed: [{ brands: ['国联', '獐子岛', '大洋世家', '禧美'], items: ['冻虾仁', '三文鱼块', '巴沙鱼柳', '带鱼段', '扇贝肉'], specs: [['袋装 300g', 2490, 4990], ['盒装 500g', 3990, 8990]] }],
        weighed: { prefixes: ['鲜活', '冰鲜', '精选'], items: [['鲈鱼', 3598, 4998], ['基围虾', 5998, 8998], ['草鱼', 1598, 2198], ['花蛤', 1598, 2398], ['鲫鱼', 1998, 2798]] },
      },
      {
        code: 'C1005', name: '熟食', vatRate: '0.13', share: 1,
        packed: [{ brands: ['周黑鸭', '绝味', '煌上煌'], items: ['鸭脖', '鸭锁骨', '卤鸡爪', '卤鸭翅'], specs: [['盒装 200g', 1590, 3590], ['锁鲜装 400g', 2990, 5990]] }],
        labelled: { prefixes: ['本店自制', '现做'], items: [['盐水鸭', 1800, 4500], ['酱牛肉', 2500, 6000], ['白切鸡', 2000, 4800], ['北京烤鸭', 3800, 6800], ['卤猪耳', 1500, 3500]] },
      },
      {
        code: 'C1006', name: '面包烘焙', vatRate: '0.13', share: 1,
        packed: [{ brands: ['桃李', '宾堡', '曼可顿', '达利园'], items: ['醇熟切片面包', '全麦吐司', '奶棒面包', '蛋黄派'], specs: [['400g', 890, 1490], ['单个装', 350, 690], ['6个装', 990, 1890]] }],
        labelled: { prefixes: ['现烤', '散装'], items: [['牛角包', 600, 1800], ['菠萝包', 500, 1500], ['全麦欧包', 900, 2500], ['蛋挞', 800, 2400], ['肉松面包', 800, 2000]] },
      },
    ],
  },
  {
    code: 'C20', name: '粮油', vatRate: '0.09', children: [
      {
        code: 'C2001', name: '大米', vatRate: '0.09', share: 2,
        packed: [{ brands: ['金龙鱼', '福临门', '十月稻田', '柴火大院', '太粮'], items: ['东北大米', '五常稻花香', '泰国香米', '长粒香米'], specs: [['2.5kg', 2490, 5990], ['5kg', 3990, 9990], ['10kg', 6990, 16990]] }],
      },
      {
        code: 'C2002', name: '面粉挂面', vatRate: '0.09', share: 1,
        packed: [{ brands: ['金沙河', '陈克明', '五得利', '香雪', '想念'], items: ['高筋小麦粉', '中筋面粉', '鸡蛋挂面', '龙须面'], specs: [['500g', 390, 890], ['1kg', 590, 1290], ['2.5kg', 1290, 2490]] }],
      },
      {
        code: 'C2003', name: '食用油', vatRate: '0.09', share: 1,
        packed: [{ brands: ['金龙鱼', '鲁花', '福临门', '胡姬花', '多力'], items: ['压榨花生油', '玉米油', '葵花籽油', '调和油', '菜籽油'], specs: [['900ml', 2490, 3990], ['1.8L', 4490, 7990], ['5L', 7990, 16990]] }],
      },
    ],
  },
  {
    code: 'C30', name: '食品饮料', vatRate: '0.13', children: [
      {
        code: 'C3001', name: '零食', vatRate: '0.13', share: 5,
        packed: [{ brands: ['三只松鼠', '良品铺子', '百草味', '乐事', '旺旺', '盼盼', '好丽友', '徐福记'], items: ['每日坚果', '夏威夷果', '原味薯片', '雪饼', '沙琪玛', '牛肉干', '巧克力派'], specs: [['75g', 590, 1290], ['150g', 990, 2490], ['家庭装', 1990, 4590], ['礼盒装', 4990, 12990]] }],
      },
      {
        code: 'C3002', name: '方便食品', vatRate: '0.13', share: 2,
        packed: [{ brands: ['康师傅', '统一', '白象', '今麦郎', '日清'], items: ['红烧牛肉面', '老坛酸菜牛肉面', '香辣牛肉面', '鲜虾鱼板面', '番茄鸡蛋面'], specs: [['单袋', 300, 600], ['五连包', 1190, 1990], ['桶装', 450, 800], ['12桶整箱', 4990, 8990]] }],
      },
      {
        code: 'C3003', name: '饮料', vatRate: '0.13', share: 4,
        packed: [{ brands: ['农夫山泉', '怡宝', '康师傅', '统一', '元气森林', '可口可乐', '王老吉'], items: ['饮用天然水', '纯净水', '冰红茶', '绿茶', '气泡水', '乌龙茶', '凉茶'], specs: [['550ml', 200, 400], ['1.5L', 400, 700], ['330ml×6', 1590, 2990], ['550ml×24', 2990, 5990]] }],
      },
      {
        code: 'C3004', name: '乳品', vatRate: '0.13', share: 3,
        packed: [{ brands: ['蒙牛', '伊利', '光明', '君乐宝', '三元', '新希望'], items: ['纯牛奶', '低脂牛奶', '高钙牛奶', '原味酸奶', '风味发酵乳', '鲜牛奶'], specs: [['250ml', 300, 600], ['950ml', 1390, 2290], ['250ml×12', 4290, 6990], ['200g×8', 2490, 4290]] }],
      },
      {
        code: 'C3005', name: '酒水', vatRate: '0.13', share: 2,
        packed: [
          { brands: ['青岛', '雪花', '燕京', '百威', '哈尔滨'], items: ['纯生啤酒', '经典啤酒', '原浆啤酒', '小麦白啤'], specs: [['500ml', 390, 990], ['330ml×6', 2490, 4990], ['500ml×12', 4990, 9990]] },
          { brands: ['洋河', '泸州老窖', '汾酒', '牛栏山', '郎酒'], items: ['浓香型白酒 52度', '清香型白酒 42度', '二锅头 56度'], specs: [['100ml', 990, 2990], ['500ml', 2990, 69900], ['礼盒 500ml×2', 19900, 129900]] },
          { brands: ['张裕', '长城', '王朝'], items: ['干红葡萄酒', '解百纳干红', '干白葡萄酒'], specs: [['750ml', 4990, 29900], ['礼盒 750ml×2', 12900, 59900]] },
        ],
      },
      {
        code: 'C3006', name: '调味品', vatRate: '0.13', share: 2,
        packed: [{ brands: ['海天', '李锦记', '厨邦', '恒顺', '千禾'], items: ['生抽', '老抽', '蚝油', '香醋', '料酒'], specs: [['500ml', 590, 1590], ['1.9L', 1790, 3590]] }],
      },
    ],
  },
  {
    code: 'C40', name: '日化', vatRate: '0.13', children: [
      {
        code: 'C4001', name: '洗护', vatRate: '0.13', share: 3,
        packed: [{ brands: ['海飞丝', '潘婷', '飘柔', '清扬', '舒肤佳', '力士', '多芬'], items: ['去屑洗发露', '丝质顺滑洗发水', '护发素', '沐浴露'], specs: [['旅行装 80ml', 990, 1990], ['400ml', 2990, 5990], ['750ml', 4990, 8990]] }],
      },
      {
        code: 'C4002', name: '口腔护理', vatRate: '0.13', share: 1,
        packed: [{ brands: ['云南白药', '高露洁', '佳洁士', '黑人', '舒适达'], items: ['牙膏', '软毛牙刷', '漱口水'], specs: [['120g', 990, 3290], ['三支装', 1590, 4990], ['500ml', 2490, 4590]] }],
      },
      {
        code: 'C4003', name: '纸品', vatRate: '0.13', share: 2,
        packed: [{ brands: ['维达', '清风', '心相印', '洁柔', '五月花'], items: ['抽纸', '卷纸', '手帕纸', '湿巾'], specs: [['3层130抽×6包', 1590, 2990], ['10卷', 1990, 3990], ['10包装', 490, 990], ['80片', 990, 1990]] }],
      },
      {
        code: 'C4004', name: '衣物清洁', vatRate: '0.13', share: 2,
        packed: [{ brands: ['蓝月亮', '立白', '奥妙', '汰渍', '超能'], items: ['洗衣液', '洗衣粉', '洗衣凝珠', '洗洁精'], specs: [['1kg', 1990, 3990], ['3kg', 4990, 8990], ['30颗', 3990, 6990]] }],
      },
    ],
  },
  {
    code: 'C50', name: '家居', vatRate: '0.13', children: [
      {
        code: 'C5001', name: '厨具', vatRate: '0.13', share: 2,
        packed: [{ brands: ['苏泊尔', '爱仕达', '双立人', '炊大皇'], items: ['不粘炒锅', '不锈钢汤锅', '不锈钢菜刀', '保温杯'], specs: [['24cm', 7900, 29900], ['28cm', 9900, 39900], ['单件', 2990, 19900]] }],
      },
      {
        code: 'C5002', name: '收纳', vatRate: '0.13', share: 1,
        packed: [{ brands: ['茶花', '禧天龙', '爱丽思', '太力'], items: ['收纳箱', '保鲜盒', '衣架', '真空压缩袋'], specs: [['大号', 2990, 8990], ['三件套', 1990, 5990], ['10只装', 990, 2990]] }],
      },
      {
        code: 'C5003', name: '家纺', vatRate: '0.13', share: 1,
        packed: [
          { brands: ['洁丽雅', '金号', '三利'], items: ['纯棉毛巾', '浴巾', '方巾'], specs: [['单条', 990, 4990], ['三条装', 2990, 8990]] },
          { brands: ['罗莱', '富安娜', '水星', '梦洁'], items: ['纯棉四件套', '夏凉被', '蚕丝被'], specs: [['1.5m床', 19900, 69900], ['1.8m床', 25900, 99900]] },
        ],
      },
    ],
  },
  {
    code: 'C60', name: '图书', vatRate: '0.09', children: [
      {
        code: 'C6001', name: '童书', vatRate: '0.09', share: 1,
        packed: [{ brands: ['中信出版社', '接力出版社', '二十一世纪出版社', '人民文学出版社'], items: ['儿童绘本', '少儿百科全书', '注音版童话', '科普漫画'], specs: [['平装', 1990, 4990], ['精装', 3990, 12800], ['套装 10册', 9900, 29900]] }],
      },
      {
        code: 'C6002', name: '文教', vatRate: '0.09', share: 1,
        packed: [{ brands: ['商务印书馆', '人民教育出版社', '外语教学与研究出版社'], items: ['新华字典', '现代汉语词典', '英汉词典', '同步练习册'], specs: [['平装', 1990, 6990], ['精装', 4990, 11900]] }],
      },
    ],
  },
  {
    code: 'C70', name: '服务', vatRate: '0.06', children: [
      {
        code: 'C7001', name: '便民服务', vatRate: '0.06', share: 0.2,
        packed: [{ brands: ['本店'], items: ['送货上门', '礼品包装', '冷链配送'], specs: [['单次', 300, 2000], ['单件', 500, 3000]] }],
      },
    ],
  },
  {
    code: 'C80', name: '免税农产品', vatRate: '0', children: [
      {
        code: 'C8001', name: '鲜蛋', vatRate: '0', share: 1,
        packed: [{ brands: ['德青源', '圣迪乐村', '黄天鹅', '咯咯哒'], items: ['鲜鸡蛋', '土鸡蛋', '可生食鸡蛋', '鲜鸭蛋'], specs: [['10枚装', 990, 2290], ['15枚装', 1390, 2990], ['30枚装', 2490, 4990]] }],
      },
    ],
  },
  { code: 'C90', name: '组合促销', vatRate: '0.13', children: [{ code: 'C9001', name: '组合套餐', vatRate: '0.13', share: 0, packed: [] }] },
];

const BUNDLE_CATEGORY = 'C9001';

/** Bundle themes and the leaves their components come from. */
const BUNDLE_THEMES: ReadonlyArray<readonly [theme: string, leafCodes: readonly string[]]> = [
  ['早餐组合', ['C3004', 'C1006']],
  ['零食饮料组合', ['C3001', 'C3003']],
  ['方便速食组合', ['C3002', 'C3003']],
  ['洗护组合', ['C4001', 'C4002']],
  ['家庭清洁组合', ['C4003', 'C4004']],
  ['粮油组合', ['C2001', 'C2003', 'C3006']],
];

// Shares of all SKUs: about 4% weighed, 1% priced by scale label, 1% bundles, the rest packaged.
const WEIGHED_SHARE = 0.04;
const LABELLED_SHARE = 0.01;
const BUNDLE_SHARE = 0.01;
const SECOND_BARCODE_SHARE = 0.15;
const MAX_PRODUCTS = 2_000_000;
const MAX_PLU = 99_999;

const LEAVES = TREE.flatMap((top) => top.children);
const PACKED_LEAVES = LEAVES.filter((leaf) => leaf.share > 0);
const WEIGHED_LINES = LEAVES.flatMap((leaf) => (leaf.weighed ? [{ categoryCode: leaf.code, line: leaf.weighed }] : []));
const LABELLED_LINES = LEAVES.flatMap((leaf) => (leaf.labelled ? [{ categoryCode: leaf.code, line: leaf.labelled }] : []));
const TOTAL_SHARE = PACKED_LEAVES.reduce((sum, leaf) => sum + leaf.share, 0);

/**
 * Generates the demo catalogue: every category, and exactly `products` active SKUs (bundles
 * included) with unique codes P000001…, unique EAN-13 barcodes 690…699 and unique PLUs.
 *
 * @example generateDemoCatalog({ products: 3, seed: 1 }).skus.map((s) => s.name)
 * // ['都乐 牛油果 礼盒 2.5kg', '金锣 鸡胸肉 盒装 400g', '现做 白切鸡']
 */
export function generateDemoCatalog(options: DemoCatalogOptions): DemoCatalog {
  const { products, seed = 1 } = options;
  if (!Number.isInteger(products) || products < 0 || products > MAX_PRODUCTS) {
    throw new AppError('VALIDATION_FAILED', `products must be a whole number from 0 to ${MAX_PRODUCTS}, got ${products}.`, {
      details: { field: 'products', value: products },
    });
  }
  if (!Number.isInteger(seed)) {
    throw new AppError('VALIDATION_FAILED', `seed must be a whole number, got ${seed}.`, { details: { field: 'seed', value: seed } });
  }

  const random = mulberry32(seed);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)] as T;
  const between = (min: number, max: number): number => min + Math.floor(random() * (max - min + 1));
  const usedBarcodes = new Set<string>();
  // Bundle components by leaf: packaged SKUs only, as a scale-priced item has no fixed price.
  const packedByLeaf = new Map<string, number[]>(PACKED_LEAVES.map((leaf) => [leaf.code, []]));
  const itemWords: string[] = [];
  const skus: SkuInput[] = [];
  let nextPlu = 1;

  const newBarcode = (): string => {
    for (;;) {
      const barcode = withCheckDigit(`${690 + Math.floor(random() * 10)}${String(Math.floor(random() * 1e9)).padStart(9, '0')}`);
      if (!usedBarcodes.has(barcode)) {
        usedBarcodes.add(barcode);
        return barcode;
      }
    }
  };
  const priced = (min: number, max: number): { priceFen: number; costFen: number } => {
    const priceFen = retailPrice(between(min, max));
    // Cost is 60–85% of the price, rounded down, so a bundle at ≥ 85% of its list total still earns.
    return { priceFen, costFen: Math.floor(priceFen * (0.6 + random() * 0.25)) };
  };
  const sku = (fields: Pick<SkuInput, 'name' | 'unit' | 'categoryCode' | 'priceFen' | 'costFen' | 'plu' | 'barcodes' | 'components'>, itemWord: string): void => {
    skus.push({ code: `P${String(skus.length + 1).padStart(6, '0')}`, ...fields, active: true });
    itemWords.push(itemWord);
  };

  const addPacked = (): void => {
    const leaf = pickLeaf(random());
    const line = pick(leaf.packed);
    const item = pick(line.items);
    const [spec, min, max] = pick(line.specs);
    const barcodes = random() < SECOND_BARCODE_SHARE ? [newBarcode(), newBarcode()] : [newBarcode()];
    packedByLeaf.get(leaf.code)?.push(skus.length);
    sku({ name: `${pick(line.brands)} ${item} ${spec}`, unit: 'piece', categoryCode: leaf.code, ...priced(min, max), plu: null, barcodes, components: [] }, item);
  };
  const addScaleItem = ({ categoryCode, line }: { categoryCode: string; line: ScaleLine }, unit: 'kg' | 'piece'): void => {
    const [item, min, max] = pick(line.items);
    const plu = String(nextPlu++).padStart(5, '0');
    sku({ name: `${pick(line.prefixes)} ${item}`, unit, categoryCode, ...priced(min, max), plu, barcodes: [], components: [] }, item);
  };
  const addBundle = (): boolean => {
    const [theme, leafCodes] = pick(BUNDLE_THEMES);
    const themed = leafCodes.map((code) => packedByLeaf.get(code) ?? []);
    const pools = themed.reduce((n, pool) => n + pool.length, 0) >= 3 ? themed : [...packedByLeaf.values()];
    const available = pools.reduce((n, pool) => n + pool.length, 0);
    if (available < 2) return false;
    const chosen = new Set<number>();
    const wanted = Math.min(between(2, 3), available);
    while (chosen.size < wanted) chosen.add(nth(pools, Math.floor(random() * available)));
    const components = [...chosen].map((index) => ({ index, qty: between(1, 2) }));
    const listFen = components.reduce((sum, c) => sum + (skus[c.index]?.priceFen ?? 0) * c.qty, 0);
    const costFen = components.reduce((sum, c) => sum + (skus[c.index]?.costFen ?? 0) * c.qty, 0);
    const low = Math.ceil(listFen * 0.85);
    const high = Math.floor(listFen * 0.95);
    const priceFen = Math.min(high, Math.max(low, retailPrice(between(low, high))));
    const words = [...new Set(components.map((c) => itemWords[c.index]))].join('+');
    sku(
      {
        name: `${theme} ${words}`,
        unit: 'piece',
        categoryCode: BUNDLE_CATEGORY,
        priceFen,
        costFen,
        plu: null,
        barcodes: [newBarcode()],
        components: components.map((c) => ({ skuCode: skus[c.index]?.code ?? '', qty: c.qty })),
      },
      theme,
    );
    return true;
  };

  while (skus.length < products) {
    const roll = random();
    if (roll < WEIGHED_SHARE && nextPlu <= MAX_PLU) {
      addScaleItem(pick(WEIGHED_LINES), 'kg');
    } else if (roll < WEIGHED_SHARE + LABELLED_SHARE && nextPlu <= MAX_PLU) {
      addScaleItem(pick(LABELLED_LINES), 'piece');
    } else if (roll >= WEIGHED_SHARE + LABELLED_SHARE + BUNDLE_SHARE || !addBundle()) {
      addPacked();
    }
  }

  const categories = TREE.flatMap((top): CategoryInput[] => [
    { code: top.code, name: top.name, parentCode: null, vatRate: top.vatRate },
    ...top.children.map((leaf) => ({ code: leaf.code, name: leaf.name, parentCode: top.code, vatRate: leaf.vatRate })),
  ]);
  return { categories, skus };
}

/** A leaf by share, for a uniform draw in [0, 1). */
function pickLeaf(draw: number): Leaf {
  let left = draw * TOTAL_SHARE;
  for (const leaf of PACKED_LEAVES) {
    left -= leaf.share;
    if (left < 0) return leaf;
  }
  return PACKED_LEAVES[PACKED_LEAVES.length - 1] as Leaf;
}

/** The n-th element across several arrays, without concatenating them (pools grow large). */
function nth(pools: readonly number[][], n: number): number {
  let left = n;
  for (const pool of pools) {
    if (left < pool.length) return pool[left] as number;
    left -= pool.length;
  }
  throw new Error(`index ${n} is past the end of the pools`);
}

/** Shelf prices end in 0 fen, and from ¥10 up in 90 fen (¥12.90), as Chinese stores price them. */
function retailPrice(fen: number): number {
  return fen >= 1000 ? Math.floor(fen / 100) * 100 + 90 : Math.max(10, Math.round(fen / 10) * 10);
}

/** mulberry32: a small, fast 32-bit PRNG, so a seed always yields the same catalogue. */
function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}
